using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tailor.Kernels;

/// <summary>
/// Bit masks of where a matrix holds non-zero values, for the products that sum only those terms
/// (<see cref="ZeroSkippingGemm"/>, <see cref="ZeroSkippingConvolution"/>): a word of 64 bits for each 64 columns of a
/// row, and a 64 x 64 bit transpose to turn rows' words into columns'.
/// </summary>
internal static unsafe class NonZeroBits
{
    /// <summary>
    /// Bit j of row r's words (ceil(columns / 64) a row, from <paramref name="bits"/>): x[r, j] != 0, for rows [0, rows) of
    /// x (row-major, <paramref name="columns"/> a row). NaN counts as non-zero, so it reaches the sum as it would.
    /// Returns how many bits are set.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long MarkRows(float* x, int rows, int columns, ulong* bits)
    {
        int words = (columns + 63) / 64;
        long nonZeros = 0;
        for (int r = 0; r < rows; r++)
        {
            float* row = x + (long)r * columns;
            ulong* rowWords = bits + (long)r * words;
            new Span<ulong>(rowWords, words).Clear();
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
                for (; j <= columns - 16; j += 16)
                {
                    ulong zeros = Vector512.ExtractMostSignificantBits(Vector512.Equals(Vector512.Load(row + j), Vector512<float>.Zero));
                    rowWords[j >> 6] |= (~zeros & 0xFFFF) << (j & 63);
                }
            for (; j < columns; j++)
                if (row[j] != 0) rowWords[j >> 6] |= 1UL << (j & 63);
            for (int w = 0; w < words; w++) nonZeros += BitOperations.PopCount(rowWords[w]);
        }
        return nonZeros;
    }

    /// <summary>Transposes a 64 x 64 bit matrix in place (bit j of word i becomes bit i of word j) by swapping ever smaller blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose64(ulong* a)
    {
        ulong mask = 0x00000000FFFFFFFFUL;
        for (int width = 32; width != 0; width >>= 1, mask ^= mask << width)
            for (int i = 0; i < 64; i = (i + width + 1) & ~width)
            {
                ulong t = ((a[i] >> width) ^ a[i + width]) & mask;
                a[i] ^= t << width;
                a[i + width] ^= t;
            }
    }
}
