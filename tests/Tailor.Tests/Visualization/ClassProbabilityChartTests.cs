using SkiaSharp;
using Tailor.Visualization;

namespace Tailor.Tests.Visualization;

public sealed class ClassProbabilityChartTests
{
    private static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
    private static readonly float[] Probabilities = [0.01f, 0f, 0.02f, 0.01f, 0.05f, 0f, 0.12f, 0f, 0.01f, 0.78f];
    private static readonly SKColor PredictedBlue = SKColor.Parse("#1F77B4");
    private static readonly SKColor WrongRed = SKColor.Parse("#D62728");
    private static readonly SKColor TrueGreen = SKColor.Parse("#2CA02C");

    [Fact]
    public void Render_HighlightsThePredictedBar()
    {
        using SKBitmap bitmap = DecodedPng.Decode(ClassProbabilityChart.Render(ClassNames, Probabilities, "Test image 0"));

        Assert.Equal((640, 420), (bitmap.Width, bitmap.Height));
        Assert.True(DecodedPng.CountPixels(bitmap, PredictedBlue) > 1000);
        Assert.Equal(0, DecodedPng.CountPixels(bitmap, WrongRed));
    }

    [Fact]
    public void Render_WithAWrongPrediction_ShowsPredictionRedAndTruthGreen()
    {
        using SKBitmap bitmap = DecodedPng.Decode(ClassProbabilityChart.Render(ClassNames, Probabilities, "Test image 1", trueClass: 6));

        Assert.True(DecodedPng.CountPixels(bitmap, WrongRed) > 1000);
        Assert.True(DecodedPng.CountPixels(bitmap, TrueGreen) > 100);
        Assert.Equal(0, DecodedPng.CountPixels(bitmap, PredictedBlue));
    }

    [Fact]
    public void Render_RejectsProbabilitiesThatDoNotMatchTheClasses()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassProbabilityChart.Render(ClassNames, Probabilities.AsSpan(0, 9), "Short"));

        Assert.Contains("expected length 10, received 9", error.Message);
    }

    [Fact]
    public void Render_RejectsATrueClassOutsideTheClasses()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassProbabilityChart.Render(ClassNames, Probabilities, "Bad", trueClass: 10));
    }
}
