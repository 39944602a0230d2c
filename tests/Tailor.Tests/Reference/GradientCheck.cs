namespace Tailor.Tests.Reference;

/// <summary>
/// How far float32 values are from double expectations: the largest absolute error, allowed up to
/// <c>tolerance * max(1, max |expected|)</c>. Non-finite values and length mismatches fail.
/// </summary>
internal sealed record Comparison(string What, int Length, double MaxError, double Scale, double RelativeTolerance,
    int WorstIndex, double Actual, double Expected, string? Problem = null)
{
    public double Allowed => RelativeTolerance * Scale;

    public bool Passed => Problem == null && MaxError <= Allowed;

    public static Comparison Of(string what, ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double relativeTolerance)
    {
        if (actual.Length != expected.Length)
            return new(what, expected.Length, double.NaN, 1, relativeTolerance, -1, double.NaN, double.NaN,
                $"{actual.Length} values, expected {expected.Length}");
        double scale = 1, worst = 0;
        int worstAt = -1;
        foreach (double e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!double.IsFinite(error))
                return new(what, expected.Length, double.PositiveInfinity, scale, relativeTolerance, i, actual[i], expected[i], "not finite");
            if (error > worst) { worst = error; worstAt = i; }
        }
        return new(what, expected.Length, worst, scale, relativeTolerance, worstAt,
            worstAt < 0 ? 0 : actual[worstAt], worstAt < 0 ? 0 : expected[worstAt]);
    }

    public override string ToString() =>
        $"{What} ({Length} values): " + (Problem != null ? $"{Problem} at [{WorstIndex}]: {Actual:R} vs {Expected:R}" :
        $"max error {MaxError:E2} at [{WorstIndex}] ({Actual:R} vs {Expected:R}), allowed {Allowed:E2} = {RelativeTolerance:E0} x {Scale:G4}" +
        (Passed ? "" : "  <-- FAILED"));
}

/// <summary>Central finite differences in double precision.</summary>
internal static class FiniteDifference
{
    /// <summary>Step: small enough that the truncation error (step^2 f''') is negligible, large enough that rounding (1e-16 |f| / step) is too.</summary>
    public const double Step = 1e-6;

    /// <summary>d f / d values[i] for every i, perturbing <paramref name="values"/> in place (restored afterwards).</summary>
    public static double[] Gradient(Func<double> f, double[] values, double step = Step)
    {
        var gradient = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double saved = values[i];
            values[i] = saved + step;
            double plus = f();
            values[i] = saved - step;
            double minus = f();
            values[i] = saved;
            gradient[i] = (plus - minus) / (2 * step);
        }
        return gradient;
    }
}
