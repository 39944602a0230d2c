using ScottPlot;
using Tailor.Common;

namespace Tailor.Visualization;

/// <summary>
/// One bar per step of a ladder (runs that each add one thing to the one before), its value written on top,
/// the y axis zoomed onto the values' range, so that differences of a tenth of a point stay visible.
/// </summary>
public static class LadderChart
{
    private static readonly Color Up = Color.FromHex("#1F77B4");
    private static readonly Color Down = Color.FromHex("#D62728");

    /// <summary>
    /// Bars of <paramref name="values"/> in order, labelled by <paramref name="labels"/> (slanted). A bar lower
    /// than the one before it is red, every other blue; each is labelled with its value to <paramref name="digits"/> places.
    /// </summary>
    public static byte[] Render(string title, string yLabel, IReadOnlyList<string> labels, IReadOnlyList<double> values, int digits = 4,
        int width = 800, int height = PlotStyling.DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(yLabel);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(values);
        Guard.Positive(width);
        Guard.Positive(height);
        Guard.SameLength(labels.Count, values.Count, $"The ladder '{title}' must have one value per label");
        if (values.Count == 0) throw new ArgumentException($"The ladder '{title}' needs at least one bar, received none.", nameof(values));
        if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException($"The ladder '{title}' has a value that is not a finite number.", nameof(values));
        if (digits is < 0 or > 10) throw new ArgumentOutOfRangeException(nameof(digits), $"Digits must be 0 to 10, received {digits}.");

        Plot plot = PlotStyling.Create(title, "", yLabel);
        var bars = new List<Bar>(values.Count);
        for (int i = 0; i < values.Count; i++)
            bars.Add(new Bar
            {
                Position = i, Value = values[i], LineWidth = 0,
                FillColor = i > 0 && values[i] < values[i - 1] ? Down : Up,
                Label = values[i].ToString("F" + digits, System.Globalization.CultureInfo.InvariantCulture),
            });
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 12;

        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, labels.Count).Select(i => (double)i)], [.. labels]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.TickLabelStyle.OffsetY = 6;
        plot.Axes.Bottom.MinimumSize = 110;
        // Zoomed onto the values: bars from zero would make a ladder of 0.90 to 0.94 look flat.
        double low = values.Min(), high = values.Max(), span = Math.Max(high - low, Math.Max(Math.Abs(high), 1e-3) * 0.01);
        double bottom = low - 0.5 * span;
        plot.Axes.SetLimits(-0.6, values.Count - 0.4, low >= 0 ? Math.Max(0, bottom) : bottom, high + 0.25 * span);
        plot.Grid.XAxisStyle.IsVisible = false;
        return PlotStyling.Encode(plot, width, height);
    }
}
