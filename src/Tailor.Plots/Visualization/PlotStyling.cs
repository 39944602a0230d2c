using ScottPlot;

namespace Tailor.Visualization;

/// <summary>The look shared by the ScottPlot charts: one sans-serif family and readable sizes.</summary>
internal static class PlotStyling
{
    public const int DefaultWidth = 640;
    public const int DefaultHeight = 420;

    public static Plot Create(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Font.Set(Typefaces.SansFamily);
        plot.Title(title, size: 18);
        plot.XLabel(xLabel, size: 15);
        plot.YLabel(yLabel, size: 15);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        return plot;
    }

    /// <summary>Ticks on whole numbers only, since a fraction of an epoch is not a point of the plot.</summary>
    public static void UseWholeEpochTicks(Plot plot) =>
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

    public static byte[] Encode(Plot plot, int width, int height) => plot.GetImageBytes(width, height, ImageFormat.Png);
}
