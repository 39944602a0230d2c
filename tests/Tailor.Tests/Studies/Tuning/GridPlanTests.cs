using Tailor.Common;
using Tailor.Studies.Tuning;

namespace Tailor.Tests.Studies.Tuning;

/// <summary>Grid search walks its grid lazily and checks its size before it starts; the trials it picks are those of a plain list of the grid.</summary>
public sealed class GridPlanTests
{
    private const string Space = """
        {"conv_layers": [1, 2, 3, 4], "kernel_size": [3, 5, 7], "padding": ["valid", "same"], "dense_units": [32, 64, 128], "batch_size": [32, 64]}
        """;

    [Theory]
    [InlineData(1, 1UL)]
    [InlineData(7, 2UL)]
    [InlineData(40, 3UL)]
    public void A_sampled_grid_is_the_seeded_choice_from_the_whole_grid_in_grid_order(int budget, ulong seed)
    {
        var space = SearchSpace.Parse(Space);
        // The plain way: list every fitting configuration, shuffle their positions, keep the first ones in order.
        var grid = space.Grid().ToList();
        var positions = Enumerable.Range(0, grid.Count).ToArray();
        new Rng(seed).Shuffle(positions);
        var expected = positions.Take(budget).Order().Select(i => grid[i]).ToList();

        Assert.Equal(expected, SearchStrategies.Plan(space, SearchStrategy.Grid, budget, seed));
        Assert.Equal(grid, SearchStrategies.Plan(space, SearchStrategy.Grid, null, seed));
    }

    [Fact]
    public void A_grid_larger_than_the_limit_is_refused_with_its_exact_size()
    {
        // 4 x 256 x 7 x 4,096 x 4,096 combinations: more than a long holds is not the point, but it must not overflow either.
        string values(int n) => string.Join(", ", Enumerable.Range(1, n));
        var space = SearchSpace.Parse($$"""{"conv_layers": [{{values(4)}}], "filters": [{{values(256)}}], "kernel_size": [{{values(7)}}], "dense_units": [{{values(4096)}}], "batch_size": [{{values(4096)}}]}""");

        Assert.Equal(new System.Numerics.BigInteger(4L * 256 * 7 * 4096 * 4096), space.GridSize);
        var e = Assert.Throws<ArgumentException>(() => SearchStrategies.Plan(space, SearchStrategy.Grid, 10, seed: 1));
        Assert.Contains("120,259,084,288 combinations, more than 100,000", e.Message);
    }

    [Fact]
    public void A_whole_grid_of_more_fitting_configurations_than_the_trial_limit_asks_for_a_budget()
    {
        string values(int n) => string.Join(", ", Enumerable.Range(1, n));
        var space = SearchSpace.Parse($$"""{"filters": [{{values(40)}}], "dense_units": [{{values(30)}}]}""");

        var e = Assert.Throws<ArgumentException>(() => SearchStrategies.Plan(space, SearchStrategy.Grid, null, seed: 1));
        Assert.Contains("all 1,200 configurations", e.Message);
        Assert.Contains("--trials", e.Message);
        Assert.Equal(5, SearchStrategies.Plan(space, SearchStrategy.Grid, 5, seed: 1).Count);
        Assert.Throws<ArgumentException>(() => SearchStrategies.Plan(space, SearchStrategy.Random, 1_001, seed: 1));
    }
}
