using Tailor.Common;

namespace Tailor.Tests.Reference;

/// <summary>Seeded test data. Shared with Tailor.KernelCheck (linked source), so it uses no xunit.</summary>
internal static class RandomData
{
    /// <summary>Values uniform in [lo, hi), each exactly a float, so float and double code see the same numbers.</summary>
    public static float[] Uniform(Rng rng, int length, float lo = -1f, float hi = 1f)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = lo + (hi - lo) * rng.NextFloat();
        return values;
    }

    /// <summary>
    /// Distinct values spaced <paramref name="spacing"/> apart, centred on zero, in random order: no
    /// two are within a finite-difference step of each other, so a max never changes its winner
    /// under the perturbation.
    /// </summary>
    public static float[] Distinct(Rng rng, int length, float spacing = 0.01f)
    {
        var order = new int[length];
        for (int i = 0; i < length; i++) order[i] = i;
        rng.Shuffle(order);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (order[i] - length / 2) * spacing;
        return values;
    }

    /// <summary>
    /// Sets about <paramref name="share"/> of <paramref name="values"/> to exact zeros, a draw each, as a max pooling and
    /// a ReLU leave a gradient; returns the same array.
    /// </summary>
    public static float[] ZeroShare(Rng rng, float[] values, double share)
    {
        for (int i = 0; i < values.Length; i++)
            if (rng.NextFloat() < share) values[i] = 0;
        return values;
    }

    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }
}
