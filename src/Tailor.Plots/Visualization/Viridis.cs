using SkiaSharp;

namespace Tailor.Visualization;

/// <summary>
/// The viridis colour map (matplotlib's default, used by the notebooks for activations), taken
/// from ScottPlot's table and held as 256 Skia colours so each pixel is one array lookup.
/// </summary>
internal static class Viridis
{
    private static readonly SKColor[] Table = BuildTable();

    /// <summary>The colour for <paramref name="level"/> in 0 (dark purple) to 255 (yellow).</summary>
    public static SKColor At(byte level) => Table[level];

    private static SKColor[] BuildTable()
    {
        var colormap = new ScottPlot.Colormaps.Viridis();
        var table = new SKColor[256];
        for (int i = 0; i < table.Length; i++)
        {
            ScottPlot.Color c = colormap.GetColor(i / 255.0);
            table[i] = new SKColor(c.R, c.G, c.B);
        }
        return table;
    }
}
