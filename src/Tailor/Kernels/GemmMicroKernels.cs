using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tailor.Kernels;

/// <summary>
/// Register-blocked inner kernels: an MR x NR tile of C from packed panels of A (MR values per k)
/// and B (NR values per k). Every path sums over k in the same order, one product at a time.
/// </summary>
internal static unsafe class GemmMicroKernels
{
    public const int Mr512 = 8, Nr512 = 32;
    public const int Mr256 = 6, Nr256 = 16;
    public const int MrPortable = 4;
    public static int NrPortable => 2 * Vector<float>.Count;

    public static (int Mr, int Nr) TileFor(Isa isa) => isa switch
    {
        Isa.Avx512 => (Mr512, Nr512),
        Isa.Avx2 => (Mr256, Nr256),
        _ => (MrPortable, NrPortable),
    };

    /// <summary>
    /// c[i * ldc + j] (+)= sum_p a[p * aStride + i] * b[p * bStride + j] for the full 8 x 32 tile: aStride is 8
    /// for a packed panel, or the leading dimension of a transposed A read in place; bStride is 32 for a
    /// packed panel, or the leading dimension of a row-major B read in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512Tile(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            a += aStride; b += bStride;
        }
        Store512(c, add, c00, c01); c += ldc;
        Store512(c, add, c10, c11); c += ldc;
        Store512(c, add, c20, c21); c += ldc;
        Store512(c, add, c30, c31); c += ldc;
        Store512(c, add, c40, c41); c += ldc;
        Store512(c, add, c50, c51); c += ldc;
        Store512(c, add, c60, c61); c += ldc;
        Store512(c, add, c70, c71);
    }

    /// <summary>
    /// The first row of <see cref="Avx512Tile"/> alone: c[j] (+)= sum_p a[p * aStride] * b[p * bStride + j] for 32
    /// columns, each sum from zero in p's order and then added to c, as the tile's and an edge tile's are.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512Row(int kc, float* a, int aStride, float* b, int bStride, float* c, bool add)
    {
        Vector512<float> c0 = default, c1 = default;
        for (int p = 0; p < kc; p++)
        {
            var x = Vector512.Create(a[0]);
            c0 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b), c0);
            c1 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b + 16), c1);
            a += aStride; b += bStride;
        }
        Store512(c, add, c0, c1);
    }

    /// <summary>As <see cref="Avx512Tile"/> with A read in place: row i of the tile at a + i * lda.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512TileRows(int kc, float* a, int lda, float* b, int bStride, float* c, int ldc, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        float* a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a0[p]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[p]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[p]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[p]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[p]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[p]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[p]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[p]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            b += bStride;
        }
        Store512(c, add, c00, c01); c += ldc;
        Store512(c, add, c10, c11); c += ldc;
        Store512(c, add, c20, c21); c += ldc;
        Store512(c, add, c30, c31); c += ldc;
        Store512(c, add, c40, c41); c += ldc;
        Store512(c, add, c50, c51); c += ldc;
        Store512(c, add, c60, c61); c += ldc;
        Store512(c, add, c70, c71);
    }

    /// <summary>
    /// As <see cref="Avx512TileRows"/> with A a convolution's patch rows read from its input: row i of the tile
    /// starts at a + rowOffsets[i] and its value p lies colOffsets[p] past that start.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512TilePatchRows(int kc, float* a, int* rowOffsets, int* colOffsets, float* b, int bStride, float* c, int ldc, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        float* a0 = a + rowOffsets[0], a1 = a + rowOffsets[1], a2 = a + rowOffsets[2], a3 = a + rowOffsets[3];
        float* a4 = a + rowOffsets[4], a5 = a + rowOffsets[5], a6 = a + rowOffsets[6], a7 = a + rowOffsets[7];
        for (int p = 0; p < kc; p++)
        {
            int o = colOffsets[p];
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(a0[o]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[o]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[o]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[o]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[o]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[o]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[o]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[o]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            b += bStride;
        }
        Store512(c, add, c00, c01); c += ldc;
        Store512(c, add, c10, c11); c += ldc;
        Store512(c, add, c20, c21); c += ldc;
        Store512(c, add, c30, c31); c += ldc;
        Store512(c, add, c40, c41); c += ldc;
        Store512(c, add, c50, c51); c += ldc;
        Store512(c, add, c60, c61); c += ldc;
        Store512(c, add, c70, c71);
    }

    /// <summary>
    /// As <see cref="Avx512Tile"/> with A a convolution's transposed patch matrix read from its input: the tile's
    /// 8 values of term p lie side by side at a + offsets[p].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512TileOffsets(int kc, float* a, int* offsets, float* b, int bStride, float* c, int ldc, bool add)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            float* ap = a + offsets[p];
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> x;
            x = Vector512.Create(ap[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(ap[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(ap[2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(ap[3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(ap[4]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(ap[5]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(ap[6]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(ap[7]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            b += bStride;
        }
        Store512(c, add, c00, c01); c += ldc;
        Store512(c, add, c10, c11); c += ldc;
        Store512(c, add, c20, c21); c += ldc;
        Store512(c, add, c30, c31); c += ldc;
        Store512(c, add, c40, c41); c += ldc;
        Store512(c, add, c50, c51); c += ldc;
        Store512(c, add, c60, c61); c += ldc;
        Store512(c, add, c70, c71);
    }

    /// <summary>As <see cref="Avx512TilePatchRows"/> for the 6 x 16 AVX2 tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2TilePatchRows(int kc, float* a, int* rowOffsets, int* colOffsets, float* b, int bStride, float* c, int ldc, bool add)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        float* a0 = a + rowOffsets[0], a1 = a + rowOffsets[1], a2 = a + rowOffsets[2];
        float* a3 = a + rowOffsets[3], a4 = a + rowOffsets[4], a5 = a + rowOffsets[5];
        for (int p = 0; p < kc; p++)
        {
            int o = colOffsets[p];
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> x;
            x = Vector256.Create(a0[o]); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a1[o]); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a2[o]); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[o]); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a4[o]); c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a5[o]); c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            b += bStride;
        }
        Store256(c, add, c00, c01); c += ldc;
        Store256(c, add, c10, c11); c += ldc;
        Store256(c, add, c20, c21); c += ldc;
        Store256(c, add, c30, c31); c += ldc;
        Store256(c, add, c40, c41); c += ldc;
        Store256(c, add, c50, c51);
    }

    /// <summary>As <see cref="Avx512TileOffsets"/> for the 6 x 16 AVX2 tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2TileOffsets(int kc, float* a, int* offsets, float* b, int bStride, float* c, int ldc, bool add)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            float* ap = a + offsets[p];
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> x;
            x = Vector256.Create(ap[0]); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(ap[1]); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(ap[2]); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(ap[3]); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(ap[4]); c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(ap[5]); c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            b += bStride;
        }
        Store256(c, add, c00, c01); c += ldc;
        Store256(c, add, c10, c11); c += ldc;
        Store256(c, add, c20, c21); c += ldc;
        Store256(c, add, c30, c31); c += ldc;
        Store256(c, add, c40, c41); c += ldc;
        Store256(c, add, c50, c51);
    }

    /// <summary>As <see cref="Avx2Tile"/> with A read in place: row i of the tile at a + i * lda.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2TileRows(int kc, float* a, int lda, float* b, int bStride, float* c, int ldc, bool add)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> x;
            x = Vector256.Create(a0[p]); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a1[p]); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a2[p]); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[p]); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a4[p]); c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a5[p]); c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            b += bStride;
        }
        Store256(c, add, c00, c01); c += ldc;
        Store256(c, add, c10, c11); c += ldc;
        Store256(c, add, c20, c21); c += ldc;
        Store256(c, add, c30, c31); c += ldc;
        Store256(c, add, c40, c41); c += ldc;
        Store256(c, add, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, bool add, Vector512<float> v0, Vector512<float> v1)
    {
        if (add) { v0 += Vector512.Load(c); v1 += Vector512.Load(c + 16); }
        v0.Store(c); v1.Store(c + 16);
    }

    /// <summary>c[i * ldc + j] (+)= sum_p a[p * aStride + i] * b[p * bStride + j] for the full 6 x 16 tile (strides 6 and 16 when packed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2Tile(int kc, float* a, int aStride, float* b, int bStride, float* c, int ldc, bool add)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> x;
            x = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
            a += aStride; b += bStride;
        }
        Store256(c, add, c00, c01); c += ldc;
        Store256(c, add, c10, c11); c += ldc;
        Store256(c, add, c20, c21); c += ldc;
        Store256(c, add, c30, c31); c += ldc;
        Store256(c, add, c40, c41); c += ldc;
        Store256(c, add, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* c, bool add, Vector256<float> v0, Vector256<float> v1)
    {
        if (add) { v0 += Vector256.Load(c); v1 += Vector256.Load(c + 8); }
        v0.Store(c); v1.Store(c + 8);
    }

    /// <summary>The same tile with Vector&lt;T&gt;: 4 rows x 2 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PortableTile(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        int w = Vector<float>.Count;
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Unsafe.ReadUnaligned<Vector<float>>(b);
            var b1 = Unsafe.ReadUnaligned<Vector<float>>(b + w);
            Vector<float> x;
            x = new Vector<float>(a[0]); c00 += x * b0; c01 += x * b1;
            x = new Vector<float>(a[1]); c10 += x * b0; c11 += x * b1;
            x = new Vector<float>(a[2]); c20 += x * b0; c21 += x * b1;
            x = new Vector<float>(a[3]); c30 += x * b0; c31 += x * b1;
            a += 4; b += 2 * w;
        }
        StorePortable(c, w, add, c00, c01); c += ldc;
        StorePortable(c, w, add, c10, c11); c += ldc;
        StorePortable(c, w, add, c20, c21); c += ldc;
        StorePortable(c, w, add, c30, c31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePortable(float* c, int w, bool add, Vector<float> v0, Vector<float> v1)
    {
        if (add)
        {
            v0 += Unsafe.ReadUnaligned<Vector<float>>(c);
            v1 += Unsafe.ReadUnaligned<Vector<float>>(c + w);
        }
        Unsafe.WriteUnaligned(c, v0);
        Unsafe.WriteUnaligned(c + w, v1);
    }
}
