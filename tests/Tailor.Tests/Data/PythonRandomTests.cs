using Tailor.Data;

namespace Tailor.Tests.Data;

/// <summary>
/// Expected values come from CPython 3.11 (/usr/bin/python3 on Debian 12), e.g.
/// <c>random.seed(1109); random.sample(range(0, 59999), 10000)[:8]</c>.
/// </summary>
public sealed class PythonRandomTests
{
    [Fact]
    public void The_notebooks_seed_draws_the_notebooks_training_and_test_positions()
    {
        var random = new PythonRandom(1109);

        int[] train = random.Sample(59_999, 10_000);
        int[] test = random.Sample(9_999, 2_500);

        Assert.Equal([25416, 5189, 31634, 41095, 5028, 39263, 35360, 59502], train[..8]);
        Assert.Equal([12398, 7511, 5511], train[^3..]);
        Assert.Equal([7702, 6602, 2798, 950, 726, 769, 6316, 1883], test[..8]);
        Assert.Equal([7629, 6583, 9417], test[^3..]);
    }

    [Fact]
    public void Seed_zero_and_getrandbits_match_cpython()
    {
        var random = new PythonRandom(0);

        Assert.Equal([49, 97, 53, 5, 33], random.Sample(100, 5));
        Assert.Equal(4146640122u, random.NextUInt32());
    }

    [Fact]
    public void A_large_population_uses_cpythons_set_strategy_and_a_two_word_seed()
    {
        // 10^6 exceeds the set size for 5 picks, so CPython draws with a set of picks, not a pool.
        var random = new PythonRandom((1UL << 40) + 7);

        Assert.Equal([643515, 783626, 854501, 983493, 990916], random.Sample(1_000_000, 5));
    }

    [Theory]
    [InlineData(10, 0)]
    [InlineData(10, 10)]
    [InlineData(60_000, 10_000)]
    public void Sample_holds_count_distinct_positions_in_range(int population, int count)
    {
        int[] sample = new PythonRandom(1).Sample(population, count);

        Assert.Equal(count, sample.Length);
        Assert.Equal(count, sample.Distinct().Count());
        Assert.All(sample, i => Assert.InRange(i, 0, population - 1));
    }

    [Fact]
    public void Count_above_the_population_is_rejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PythonRandom(1).Sample(5, 6));
        Assert.Contains("Cannot sample 6 distinct positions out of 5", e.Message);
    }
}
