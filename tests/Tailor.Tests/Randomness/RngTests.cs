using Tailor.Common;

namespace Tailor.Tests.Randomness;

public class RngTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(36_864)]
    public void FillFloats_gives_the_NextFloat_stream_and_leaves_the_same_state(int count)
    {
        var one = new Rng(2024);
        var bulk = new Rng(2024);
        one.NextULong(); bulk.NextULong();
        var expected = new float[count];
        for (int i = 0; i < count; i++) expected[i] = one.NextFloat();
        var actual = new float[count];
        bulk.FillFloats(actual);
        Assert.Equal(expected, actual);
        Assert.Equal(one.GetState(), bulk.GetState());
    }
}
