using ScottPlot;
using Tailor.Common;

namespace Tailor.Visualization;

/// <summary>
/// Per-epoch curves as PNG bytes, drawn the way the notebook draws them with matplotlib:
/// <c>plt.plot(epochs, loss, 'bo', label='Training loss')</c> and
/// <c>plt.plot(epochs, val_loss, 'b', label='Validation loss')</c>. Epochs count from 1.
/// </summary>
public static class TrainingCurves
{
    public const int DefaultWidth = PlotStyling.DefaultWidth;
    public const int DefaultHeight = PlotStyling.DefaultHeight;

    // matplotlib's 'b': pure blue.
    private static readonly Color Blue = new(0, 0, 255);

    /// <summary>"Training and validation loss": training loss as blue dots, validation loss as a blue line.</summary>
    public static byte[] Loss(IReadOnlyList<double> training, IReadOnlyList<double> validation,
        int width = DefaultWidth, int height = DefaultHeight, string? title = null, CurveAxes? axes = null) =>
        Metric("loss", training, validation, width, height, title, axes);

    /// <summary>"Training and validation accuracy": training accuracy as blue dots, validation accuracy as a blue line.</summary>
    public static byte[] Accuracy(IReadOnlyList<double> training, IReadOnlyList<double> validation,
        int width = DefaultWidth, int height = DefaultHeight) =>
        Metric("accuracy", training, validation, width, height);

    /// <summary>
    /// Training and validation values of one metric, e.g. <paramref name="metric"/> = "loss" gives the
    /// title "Training and validation loss", legends "Training loss" / "Validation loss" and y label "Loss".
    /// <paramref name="title"/> replaces the title; <paramref name="axes"/> fixes the axes, for plots compared side by side.
    /// </summary>
    public static byte[] Metric(string metric, IReadOnlyList<double> training, IReadOnlyList<double> validation,
        int width = DefaultWidth, int height = DefaultHeight, string? title = null, CurveAxes? axes = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(validation);
        Guard.Positive(width);
        Guard.Positive(height);
        RequireEpochs(training.Count, $"Training {metric}");
        Guard.SameLength(training.Count, validation.Count, $"Validation {metric} must have one value per training epoch");

        Plot plot = PlotStyling.Create(title ?? $"Training and validation {metric}", "Epochs", Capitalise(metric));
        double[] epochs = Epochs(training.Count);

        var dots = plot.Add.ScatterPoints(epochs, training.ToArray(), Blue);
        dots.MarkerSize = 8;
        dots.LegendText = $"Training {metric}";
        var line = plot.Add.ScatterLine(epochs, validation.ToArray(), Blue);
        line.LineWidth = 2;
        line.LegendText = $"Validation {metric}";

        PlotStyling.UseWholeEpochTicks(plot);
        if (axes != null) plot.Axes.SetLimits(0.5, axes.Epochs + 0.5, axes.Bottom, axes.Top);
        plot.ShowLegend(LegendPlacement.Best([training, validation]));
        return PlotStyling.Encode(plot, width, height);
    }

    /// <summary>
    /// Several curves over the same epochs on one plot, one coloured line with markers per series,
    /// e.g. the validation loss of each fold of a k-fold run.
    /// </summary>
    public static byte[] Overlay(string title, string yLabel, IReadOnlyList<NamedSeries> series,
        int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(title);
        ArgumentNullException.ThrowIfNull(yLabel);
        ArgumentNullException.ThrowIfNull(series);
        Guard.Positive(width);
        Guard.Positive(height);
        if (series.Count == 0)
            throw new ArgumentException($"An overlay plot '{title}' needs at least one series, received none.", nameof(series));

        Plot plot = PlotStyling.Create(title, "Epochs", yLabel);
        foreach (NamedSeries s in series)
        {
            RequireEpochs(s.Values.Count, $"Series '{s.Name}' of '{title}'");
            var curve = plot.Add.Scatter(Epochs(s.Values.Count), s.Values.ToArray());
            curve.LineWidth = 2;
            curve.MarkerSize = 5;
            curve.LegendText = s.Name;
        }
        PlotStyling.UseWholeEpochTicks(plot);
        plot.ShowLegend(LegendPlacement.Best(series.Select(s => s.Values)));
        return PlotStyling.Encode(plot, width, height);
    }

    private static void RequireEpochs(int count, string what)
    {
        if (count == 0)
            throw new ArgumentException($"{what} has no values; a curve needs at least one epoch.");
    }

    private static double[] Epochs(int count) => Enumerable.Range(1, count).Select(e => (double)e).ToArray();

    private static string Capitalise(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
