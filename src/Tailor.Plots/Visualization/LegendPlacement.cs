using ScottPlot;

namespace Tailor.Visualization;

/// <summary>
/// Picks the inner corner of a plot where the legend covers the fewest points, in the spirit of
/// matplotlib's loc="best": loss curves fall to the lower right, accuracy curves rise to the upper right.
/// </summary>
internal static class LegendPlacement
{
    // Share of each axis the legend box is assumed to cover, measured from its corner.
    private const double BoxWidth = 0.45;
    private const double BoxHeight = 0.35;

    public static Alignment Best(IEnumerable<IReadOnlyList<double>> series)
    {
        var points = new List<(double X, double Y)>();
        foreach (IReadOnlyList<double> values in series)
            for (int i = 0; i < values.Count; i++)
                if (double.IsFinite(values[i]))
                    points.Add((i, values[i]));
        if (points.Count == 0) return Alignment.UpperRight;

        double minX = points.Min(p => p.X), maxX = points.Max(p => p.X);
        double minY = points.Min(p => p.Y), maxY = points.Max(p => p.Y);
        double spanX = maxX > minX ? maxX - minX : 1, spanY = maxY > minY ? maxY - minY : 1;

        (Alignment Corner, bool Right, bool Upper)[] corners =
        [
            (Alignment.UpperRight, true, true), (Alignment.LowerRight, true, false),
            (Alignment.UpperLeft, false, true), (Alignment.LowerLeft, false, false),
        ];
        return corners.MinBy(corner => points.Count(p =>
        {
            double x = (p.X - minX) / spanX, y = (p.Y - minY) / spanY;
            bool inX = corner.Right ? x >= 1 - BoxWidth : x <= BoxWidth;
            bool inY = corner.Upper ? y >= 1 - BoxHeight : y <= BoxHeight;
            return inX && inY;
        })).Corner;
    }
}
