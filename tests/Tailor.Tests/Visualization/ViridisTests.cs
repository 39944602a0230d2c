using SkiaSharp;
using Tailor.Visualization;

namespace Tailor.Tests.Visualization;

public sealed class ViridisTests
{
    [Fact]
    public void StartsAtThePublishedDarkPurple()
    {
        Assert.Equal(SKColor.Parse("#440154"), Viridis.At(0));
    }

    // Published: matplotlib's viridis(0.5) is #21918C and viridis(1.0) #FDE725. ScottPlot's table,
    // which this map uses, rounds its last entry down to #FDE724, so one 8-bit step is allowed.
    [Theory]
    [InlineData(128, "#21918C")]
    [InlineData(255, "#FDE725")]
    public void MatchesThePublishedColoursWithinOneStep(int level, string published)
    {
        SKColor expected = SKColor.Parse(published);
        SKColor actual = Viridis.At((byte)level);

        Assert.InRange(actual.Red, expected.Red - 1, expected.Red + 1);
        Assert.InRange(actual.Green, expected.Green - 1, expected.Green + 1);
        Assert.InRange(actual.Blue, expected.Blue - 1, expected.Blue + 1);
    }

    [Fact]
    public void GetsLighterFromStartToEnd()
    {
        // Viridis is designed with monotonically increasing lightness; a reversed or foreign map is not.
        for (int level = 16; level < 256; level += 16)
            Assert.True(Luminance(Viridis.At((byte)level)) > Luminance(Viridis.At((byte)(level - 16))), $"level {level}");
    }

    private static double Luminance(SKColor c) => 0.2126 * c.Red + 0.7152 * c.Green + 0.0722 * c.Blue;
}
