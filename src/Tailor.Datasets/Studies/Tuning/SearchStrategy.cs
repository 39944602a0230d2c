using Tailor.Common;

namespace Tailor.Studies.Tuning;

/// <summary>How a search picks its trials from a <see cref="SearchSpace"/>.</summary>
public enum SearchStrategy
{
    /// <summary>Each trial draws every key independently (seeded); repeats and configurations that do not fit are drawn again.</summary>
    Random,
    /// <summary>Every combination of the listed values; with a smaller budget, a seeded sample of them in grid order.</summary>
    Grid,
}

public static class SearchStrategies
{
    public static readonly IReadOnlyDictionary<string, SearchStrategy> Names = new Dictionary<string, SearchStrategy>
    {
        ["random"] = SearchStrategy.Random, ["grid"] = SearchStrategy.Grid,
    };

    public static SearchStrategy Parse(string name)
    {
        if (name != null && Names.TryGetValue(name.Trim().ToLowerInvariant(), out var strategy)) return strategy;
        throw new ArgumentException($"--strategy: unknown strategy '{name}'. Valid strategies: {string.Join(", ", Names.Keys)}.");
    }

    /// <summary>
    /// The configurations to try, at most <paramref name="budget"/> (null: 12 for random search, the
    /// whole grid for grid search), the same for the same space, budget and seed.
    /// </summary>
    public static IReadOnlyList<ConvNetConfig> Plan(SearchSpace space, SearchStrategy strategy, int? budget, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (budget is int b && b < 1) throw new ArgumentException($"--trials must be a positive integer, received {b}.");
        var rng = new Rng(seed);
        if (strategy == SearchStrategy.Grid)
        {
            var grid = space.Grid().ToList();
            if (grid.Count == 0) throw new ArgumentException("The search space holds no configuration that fits 28x28 images.");
            if (budget is not int limit || limit >= grid.Count) return grid;
            var positions = Enumerable.Range(0, grid.Count).ToArray();
            rng.Shuffle(positions);
            return [.. positions.Take(limit).Order().Select(i => grid[i])];
        }

        int wanted = budget ?? 12;
        var chosen = new List<ConvNetConfig>(wanted);
        var seen = new HashSet<ConvNetConfig>();
        // A small space may hold fewer distinct fitting configurations than the budget; stop drawing
        // after many misses in a row rather than loop forever.
        int misses = 0;
        while (chosen.Count < wanted && misses < 1000)
        {
            var config = space.Sample(rng);
            if (config.WhyItDoesNotFit() is null && seen.Add(config)) { chosen.Add(config); misses = 0; }
            else misses++;
        }
        if (chosen.Count == 0) throw new ArgumentException("The search space holds no configuration that fits 28x28 images.");
        return chosen;
    }
}
