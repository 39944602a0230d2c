using Tailor.Common;
using Tailor.Data;

namespace Tailor.Tests.Data;

public sealed class IndexSamplerTests
{
    [Theory]
    [InlineData(10, 0)]
    [InlineData(10, 3)]
    [InlineData(10, 10)]
    [InlineData(60_000, 10_000)]
    public void Sample_holds_count_distinct_positions_in_range(int population, int count)
    {
        int[] sample = IndexSampler.Sample(population, count, new Rng(1));

        Assert.Equal(count, sample.Length);
        Assert.Equal(count, sample.Distinct().Count());
        Assert.All(sample, i => Assert.InRange(i, 0, population - 1));
    }

    [Fact]
    public void Same_seed_gives_the_same_sample()
    {
        Assert.Equal(IndexSampler.Sample(1000, 50, new Rng(1109)), IndexSampler.Sample(1000, 50, new Rng(1109)));
    }

    [Fact]
    public void Different_seeds_give_different_samples()
    {
        Assert.NotEqual(IndexSampler.Sample(1000, 50, new Rng(1109)), IndexSampler.Sample(1000, 50, new Rng(1110)));
    }

    [Fact]
    public void Sample_is_in_random_order_not_sorted()
    {
        int[] sample = IndexSampler.Sample(1000, 50, new Rng(7));

        Assert.NotEqual(sample.Order(), sample);
    }

    [Fact]
    public void Every_position_is_about_equally_likely_in_every_slot()
    {
        // 20,000 draws of 3 from 10: each position should land in each slot about 2,000 times
        // (standard deviation about 42); a biased shuffle would be off by hundreds.
        var rng = new Rng(3);
        var counts = new int[3, 10];
        for (int draw = 0; draw < 20_000; draw++)
        {
            int[] sample = IndexSampler.Sample(10, 3, rng);
            for (int slot = 0; slot < 3; slot++) counts[slot, sample[slot]]++;
        }

        for (int slot = 0; slot < 3; slot++)
            for (int position = 0; position < 10; position++)
                Assert.InRange(counts[slot, position], 1800, 2200);
    }

    [Fact]
    public void Count_above_the_population_is_rejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => IndexSampler.Sample(5, 6, new Rng(1)));
        Assert.Contains("Cannot sample 6 distinct positions out of 5", e.Message);
    }
}
