using SkiaSharp;
using Tailor.Visualization;

namespace Tailor.Tests.Visualization;

public sealed class LadderChartTests
{
    private static readonly string[] Labels = ["1. CNN", "2. + cosine", "3. + ResNet", "4. + TTA"];
    private static readonly SKColor UpBlue = SKColor.Parse("#1F77B4");
    private static readonly SKColor DownRed = SKColor.Parse("#D62728");

    [Fact]
    public void Render_DrawsRisingBarsBlueAndAFallRed()
    {
        using SKBitmap rising = DecodedPng.Decode(LadderChart.Render("Ladder", "Test accuracy", Labels, [0.89, 0.90, 0.93, 0.94]));
        using SKBitmap falling = DecodedPng.Decode(LadderChart.Render("Ladder", "Test accuracy", Labels, [0.89, 0.90, 0.88, 0.94]));

        Assert.Equal((800, 420), (rising.Width, rising.Height));
        Assert.True(DecodedPng.CountPixels(rising, UpBlue) > 1000);
        Assert.Equal(0, DecodedPng.CountPixels(rising, DownRed));
        Assert.True(DecodedPng.CountPixels(falling, DownRed) > 100);
    }

    [Fact]
    public void Render_RefusesValuesThatDoNotMatchTheLabelsAndNonFiniteValues()
    {
        Assert.Contains("expected length 4, received 3", Assert.Throws<ArgumentException>(() => LadderChart.Render("Short", "y", Labels, [0.1, 0.2, 0.3])).Message);
        Assert.Contains("not a finite number", Assert.Throws<ArgumentException>(() => LadderChart.Render("NaN", "y", Labels, [0.1, double.NaN, 0.3, 0.4])).Message);
    }
}
