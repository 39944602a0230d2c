using SkiaSharp;
using Tailor.Visualization;

namespace Tailor.Tests.Visualization;

public sealed class GradientNormPlotTests
{
    private static readonly double[] Progress = [0.5, 1, 1.5, 2];

    [Fact]
    public void Draws_norms_six_orders_of_magnitude_apart_as_a_png()
    {
        var png = GradientNormPlot.Render("Gradient norm per layer", Progress,
            [new NamedSeries("1", [2e-6, 1.8e-6, 1.7e-6, 1.7e-6]), new NamedSeries("2 (output)", [0.8, 0.7, 0.7, 0.6])]);
        using SKBitmap bitmap = DecodedPng.Decode(png);
        Assert.Equal((800, TrainingCurves.DefaultHeight), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Zero_norms_are_left_out_but_a_plot_without_any_positive_value_is_refused()
    {
        GradientNormPlot.Render("t", Progress, [new NamedSeries("a", [0, 1e-3, 1e-2, double.NaN])]);
        var e = Assert.Throws<ArgumentException>(() => GradientNormPlot.Render("t", Progress, [new NamedSeries("a", [0, 0, 0, 0])]));
        Assert.Contains("no positive finite value", e.Message);
        Assert.Throws<ArgumentException>(() => GradientNormPlot.Render("t", Progress, [new NamedSeries("a", [1, 2])]));
    }
}
