namespace Tailor.Kernels;

/// <summary>
/// The error function, for exact GELU. Hand-written because .NET has no Math.Erf; this is the
/// Abramowitz-Stegun 7.1.26 rational approximation (absolute error below 1.5e-7, under float precision).
/// </summary>
internal static class Erf
{
    public static float Of(float x)
    {
        float sign = x < 0 ? -1f : 1f;
        float ax = MathF.Abs(x);
        float t = 1f / (1f + 0.3275911f * ax);
        float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
        return sign * (1f - poly * MathF.Exp(-ax * ax));
    }

    public static double Of(double x)
    {
        double sign = x < 0 ? -1 : 1;
        double ax = Math.Abs(x);
        double t = 1 / (1 + 0.3275911 * ax);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        return sign * (1 - poly * Math.Exp(-ax * ax));
    }
}
