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

    /// <summary>Where the values a micro-kernel reads lie, relative to a start: the i-th at At(i).</summary>
    public interface IOffsets
    {
        long At(int i);
    }

    /// <summary>One after another: i.</summary>
    public readonly struct Consecutive : IOffsets
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public long At(int i) => i;
    }

    /// <summary>A fixed stride apart: i x stride (a leading dimension, or a packed panel's width).</summary>
    public readonly struct Strided(int stride) : IOffsets
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public long At(int i) => (long)i * stride;
    }

    /// <summary>Where a table says: table[i] (a convolution's patches read in place, <see cref="PatchOffsets"/>).</summary>
    public readonly struct Table(int* table) : IOffsets
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public long At(int i) => table[i];
    }

    /// <summary>
    /// c[i * ldc + j] (+)= sum_p a[terms.At(p) + i] * b[p * bStride + j] for the full 8 x 32 tile: the tile's 8 values of
    /// term p side by side (a packed panel, Strided(8); a transposed A read in place, Strided(lda); a convolution's
    /// transposed patches, a Table); bStride is 32 for a packed panel, or the leading dimension of a row-major B read
    /// in place. Each sum from zero in p's order, then added to c.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512Tile<TTerms>(int kc, float* a, TTerms terms, float* b, int bStride, float* c, int ldc, bool add)
        where TTerms : struct, IOffsets
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            float* ap = a + terms.At(p);
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

    /// <summary>
    /// As <see cref="Avx512Tile{TTerms}"/> with A's 8 rows read in place: row i starts at a + rows.At(i) and its term p
    /// lies columns.At(p) past that start (a row-major A: Strided(lda) and Consecutive; a convolution's patches: Tables).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512TileRows<TRows, TColumns>(int kc, float* a, TRows rows, TColumns columns, float* b, int bStride, float* c, int ldc, bool add)
        where TRows : struct, IOffsets where TColumns : struct, IOffsets
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        float* a0 = a + rows.At(0), a1 = a + rows.At(1), a2 = a + rows.At(2), a3 = a + rows.At(3);
        float* a4 = a + rows.At(4), a5 = a + rows.At(5), a6 = a + rows.At(6), a7 = a + rows.At(7);
        for (int p = 0; p < kc; p++)
        {
            long o = columns.At(p);
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

    /// <summary>As <see cref="Avx512Tile{TTerms}"/> for the 6 x 16 AVX2 tile (Strided(6) when packed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2Tile<TTerms>(int kc, float* a, TTerms terms, float* b, int bStride, float* c, int ldc, bool add)
        where TTerms : struct, IOffsets
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            float* ap = a + terms.At(p);
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

    /// <summary>As <see cref="Avx512TileRows{TRows, TColumns}"/> for the 6 x 16 AVX2 tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2TileRows<TRows, TColumns>(int kc, float* a, TRows rows, TColumns columns, float* b, int bStride, float* c, int ldc, bool add)
        where TRows : struct, IOffsets where TColumns : struct, IOffsets
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        float* a0 = a + rows.At(0), a1 = a + rows.At(1), a2 = a + rows.At(2);
        float* a3 = a + rows.At(3), a4 = a + rows.At(4), a5 = a + rows.At(5);
        for (int p = 0; p < kc; p++)
        {
            long o = columns.At(p);
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

    /// <summary>
    /// The first row of <see cref="Avx512Tile{TTerms}"/> alone: c[j] (+)= sum_p a[p * aStride] * b[p * bStride + j] for 32
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, bool add, Vector512<float> v0, Vector512<float> v1)
    {
        if (add) { v0 += Vector512.Load(c); v1 += Vector512.Load(c + 16); }
        v0.Store(c); v1.Store(c + 16);
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
