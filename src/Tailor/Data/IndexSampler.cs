using Tailor.Common;

namespace Tailor.Data;

/// <summary>Seeded sampling of item positions.</summary>
public static class IndexSampler
{
    /// <summary>
    /// <paramref name="count"/> distinct positions from [0, <paramref name="population"/>), in random
    /// order (like Python's random.sample, though not its sequence): a Fisher-Yates shuffle stopped
    /// after <paramref name="count"/> steps, so every ordered sample is equally likely.
    /// </summary>
    public static int[] Sample(int population, int count, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (population < 0)
            throw new ArgumentOutOfRangeException(nameof(population), $"Received an invalid value for `population`, expected a non-negative integer. Received: population={population}");
        if (count < 0 || count > population)
            throw new ArgumentOutOfRangeException(nameof(count), $"Cannot sample {count} distinct positions out of {population}; expected 0 to {population}.");

        var positions = new int[population];
        for (int i = 0; i < population; i++) positions[i] = i;
        for (int i = 0; i < count; i++)
        {
            int j = i + rng.NextInt(population - i);
            (positions[i], positions[j]) = (positions[j], positions[i]);
        }
        return positions[..count];
    }
}
