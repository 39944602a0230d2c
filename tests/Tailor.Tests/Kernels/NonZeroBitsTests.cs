using Tailor.Kernels;

namespace Tailor.Tests.Kernels;

public class NonZeroBitsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 15)]
    [InlineData(5, 16)]
    [InlineData(4, 63)]
    [InlineData(2, 64)]
    [InlineData(7, 65)]
    [InlineData(3, 130)]
    public unsafe void MarkRows_sets_a_bit_for_each_non_zero_NaN_included_and_none_for_either_zero(int rows, int columns)
    {
        var rng = new Random(rows * 100 + columns);
        var x = new float[rows * columns];
        for (int i = 0; i < x.Length; i++)
            x[i] = rng.Next(5) switch { 0 => 0f, 1 => -0f, 2 => float.NaN, _ => (float)(rng.NextDouble() * 2 - 1) };
        int words = (columns + 63) / 64;
        var bits = Enumerable.Repeat(ulong.MaxValue, rows * words).ToArray();
        long set;
        fixed (float* px = x)
        fixed (ulong* pb = bits)
            set = NonZeroBits.MarkRows(px, rows, columns, pb);
        long expected = 0;
        for (int r = 0; r < rows; r++)
        for (int j = 0; j < words * 64; j++)
        {
            bool nonZero = j < columns && x[r * columns + j] != 0;
            expected += nonZero ? 1 : 0;
            Assert.Equal(nonZero ? 1UL : 0UL, (bits[r * words + j / 64] >> (j % 64)) & 1);
        }
        Assert.Equal(expected, set);
    }

    [Fact]
    public unsafe void Transpose64_moves_bit_j_of_word_i_to_bit_i_of_word_j()
    {
        var rng = new Random(5);
        var words = new ulong[64];
        for (int i = 0; i < 64; i++) words[i] = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40);
        var transposed = (ulong[])words.Clone();
        fixed (ulong* p = transposed) NonZeroBits.Transpose64(p);
        for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++)
            Assert.Equal((words[i] >> j) & 1, (transposed[j] >> i) & 1);
    }
}
