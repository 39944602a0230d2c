using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tailor.Kernels;

/// <summary>
/// Matrix transposes for packing: 8 x 8 blocks in registers where AVX is on, element by element elsewhere and at the
/// edges. A scalar loop stores each value a destination row apart: a dense layer's W^T (576 x 64) took 22 us that way.
/// </summary>
internal static unsafe class Transposes
{
    /// <summary>destination[j * rows + i] = source[i * columns + j]: a row-major rows x columns matrix transposed.</summary>
    public static void Transpose(ReadOnlySpan<float> source, int rows, int columns, Span<float> destination)
    {
        if (source.Length < (long)rows * columns || destination.Length < (long)rows * columns)
            throw new ArgumentException($"Transposes.Transpose of {rows} x {columns} values from {source.Length} into {destination.Length}.");
        fixed (float* src = source, dst = destination) Transpose(src, rows, columns, columns, dst, rows);
    }

    /// <summary>dst[j * ldd + i] = src[i * lds + j] for i &lt; rows, j &lt; columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(float* src, int rows, int columns, long lds, float* dst, long ldd)
    {
        int i = 0;
        if (KernelIsa.Active != Isa.Portable && Avx.IsSupported)
            for (; i <= rows - 8; i += 8)
            {
                int j = 0;
                for (; j <= columns - 8; j += 8) Block8(src + i * lds + j, lds, dst + j * ldd + i, ldd);
                for (; j < columns; j++)
                    for (int r = 0; r < 8; r++) dst[j * ldd + i + r] = src[(i + r) * lds + j];
            }
        for (; i < rows; i++)
            for (int j = 0; j < columns; j++) dst[j * ldd + i] = src[i * lds + j];
    }

    /// <summary>Writes the 8 x 8 block at <paramref name="src"/> (rows <paramref name="lds"/> apart) transposed to <paramref name="dst"/> (rows <paramref name="ldd"/> apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block8(float* src, long lds, float* dst, long ldd)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2 * lds); var r3 = Avx.LoadVector256(src + 3 * lds);
        var r4 = Avx.LoadVector256(src + 4 * lds); var r5 = Avx.LoadVector256(src + 5 * lds);
        var r6 = Avx.LoadVector256(src + 6 * lds); var r7 = Avx.LoadVector256(src + 7 * lds);
        // Pairs of rows interleaved, then pairs of pairs, then the 128-bit halves swapped into place.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20)); Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20)); Avx.Store(dst + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31)); Avx.Store(dst + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31)); Avx.Store(dst + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }
}
