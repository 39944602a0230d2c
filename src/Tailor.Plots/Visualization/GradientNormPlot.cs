using ScottPlot;
using Tailor.Common;

namespace Tailor.Visualization;

/// <summary>
/// Gradient norms per layer over training on a logarithmic y axis, one coloured line per layer, so
/// that norms orders of magnitude apart (vanishing gradients) show side by side.
/// </summary>
public static class GradientNormPlot
{
    /// <param name="title">The plot's title.</param>
    /// <param name="progress">The x of every point: training progress in epochs.</param>
    /// <param name="series">One curve per layer, one positive value per point.</param>
    /// <param name="yLabel">The y axis's label.</param>
    /// <param name="width">Width of the PNG in pixels.</param>
    /// <param name="height">Height of the PNG in pixels.</param>
    public static byte[] Render(string title, IReadOnlyList<double> progress, IReadOnlyList<NamedSeries> series, string yLabel = "Gradient norm (log scale)",
        int width = 800, int height = PlotStyling.DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(series);
        Guard.Positive(width);
        Guard.Positive(height);
        if (series.Count == 0 || progress.Count == 0)
            throw new ArgumentException($"The plot '{title}' needs at least one series and one point, received {series.Count} series of {progress.Count} points.");

        Plot plot = PlotStyling.Create(title, "Epochs", yLabel);
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        // Colours graded along the network (viridis, dark at the input), however many layers there are.
        var colormap = new ScottPlot.Colormaps.Viridis();
        for (int s = 0; s < series.Count; s++)
        {
            var values = series[s].Values;
            Guard.SameLength(progress.Count, values.Count, $"Series '{series[s].Name}' of '{title}' must have one value per point");
            // A zero or non-finite norm has no place on a log axis: it is left out of the curve.
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < values.Count; i++)
            {
                if (!(values[i] > 0) || !double.IsFinite(values[i])) continue;
                xs.Add(progress[i]);
                ys.Add(Math.Log10(values[i]));
                low = Math.Min(low, ys[^1]);
                high = Math.Max(high, ys[^1]);
            }
            var colour = colormap.GetColor(series.Count == 1 ? 0 : 0.9 * s / (series.Count - 1));
            var curve = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), colour);
            curve.LineWidth = 2;
            curve.LegendText = series[s].Name;
        }
        if (double.IsInfinity(low))
            throw new ArgumentException($"The plot '{title}' has no positive finite value to draw on a log scale.");

        // Ticks at whole powers of ten, labelled as such, with log-spaced minor ticks between them.
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = y => $"1e{y:0}",
        };
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimitsY(Math.Floor(low), Math.Ceiling(high) == Math.Floor(low) ? Math.Floor(low) + 1 : Math.Ceiling(high));
        // Outside, on the right: with a line per layer, a legend inside would hide the curves.
        plot.ShowLegend(Edge.Right);
        return PlotStyling.Encode(plot, width, height);
    }
}
