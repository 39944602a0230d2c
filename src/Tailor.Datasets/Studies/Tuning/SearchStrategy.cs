using System.Globalization;
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
    /// The grid's fitting configurations, or a seeded sample of <paramref name="budget"/> of them in grid order.
    /// The grid is walked lazily (once to count, once to pick) and its size checked first, so that a space of
    /// billions of combinations is refused in a line instead of filling the memory.
    /// </summary>
    private static List<ConvNetConfig> PlanGrid(SearchSpace space, int? budget, Rng rng)
    {
        var size = space.GridSize;
        if (size > SearchSpace.MaxGridSize)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Grid search over this space would walk through {size:N0} combinations, more than {SearchSpace.MaxGridSize:N0}; list fewer values, or use --strategy random."));
        int fitting = space.Grid().Count();
        if (fitting == 0) throw new ArgumentException("The search space holds no configuration that fits 28x28 images.");
        if (budget is not int limit || limit >= fitting)
        {
            if (fitting > TuningOptions.TrialsRange.Max)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Grid search would train all {fitting:N0} configurations of the space, more than the {TuningOptions.TrialsRange.Max:N0} trials --trials allows; give --trials N to sample N of them."));
            return [.. space.Grid()];
        }
        var positions = Enumerable.Range(0, fitting).ToArray();
        rng.Shuffle(positions);
        var picked = positions.AsSpan(0, limit).ToArray();
        Array.Sort(picked);
        var chosen = new List<ConvNetConfig>(limit);
        int index = 0;
        foreach (var config in space.Grid())
        {
            if (chosen.Count == limit) break;
            if (picked[chosen.Count] == index++) chosen.Add(config);
        }
        return chosen;
    }

    /// <summary>
    /// The configurations to try, at most <paramref name="budget"/> (null: 12 for random search, the
    /// whole grid for grid search), the same for the same space, budget and seed.
    /// </summary>
    public static IReadOnlyList<ConvNetConfig> Plan(SearchSpace space, SearchStrategy strategy, int? budget, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (budget is int b) TuningOptions.TrialsRange.Check("--trials", b);
        var rng = new Rng(seed);
        if (strategy == SearchStrategy.Grid) return PlanGrid(space, budget, rng);

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
