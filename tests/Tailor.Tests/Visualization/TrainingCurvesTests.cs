using SkiaSharp;
using Tailor.Visualization;

namespace Tailor.Tests.Visualization;

public sealed class TrainingCurvesTests
{
    private static readonly SKColor Blue = new(0, 0, 255);
    private static readonly double[] TrainingLoss = [0.52, 0.36, 0.32, 0.29, 0.27, 0.25];
    private static readonly double[] ValidationLoss = [0.40, 0.35, 0.33, 0.31, 0.32, 0.34];

    [Fact]
    public void Loss_IsAPngOfTheDefaultSizeDrawnInBlue()
    {
        using SKBitmap bitmap = DecodedPng.Decode(TrainingCurves.Loss(TrainingLoss, ValidationLoss));

        Assert.Equal((TrainingCurves.DefaultWidth, TrainingCurves.DefaultHeight), (bitmap.Width, bitmap.Height));
        // Six dots of 8 px and a 2 px line cover well over a hundred pure-blue pixels.
        Assert.True(DecodedPng.CountPixels(bitmap, Blue) > 100);
    }

    [Fact]
    public void Accuracy_HonoursTheRequestedSize()
    {
        using SKBitmap bitmap = DecodedPng.Decode(TrainingCurves.Accuracy([0.7, 0.8, 0.85], [0.72, 0.79, 0.8], width: 800, height: 500));

        Assert.Equal((800, 500), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Metric_RejectsValidationOfAnotherLength()
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingCurves.Metric("loss", [0.5, 0.4, 0.3], [0.5, 0.4]));

        Assert.Contains("expected length 3, received 2", error.Message);
    }

    [Fact]
    public void Metric_RejectsAnEmptyHistory()
    {
        var error = Assert.Throws<ArgumentException>(() => TrainingCurves.Loss([], []));

        Assert.Contains("at least one epoch", error.Message);
    }

    [Fact]
    public void Overlay_DrawsEachSeriesInItsOwnColour()
    {
        NamedSeries[] folds =
        [
            new("Fold 1", ValidationLoss),
            new("Fold 2", ValidationLoss.Select(v => v + 0.05).ToArray()),
        ];

        using SKBitmap bitmap = DecodedPng.Decode(TrainingCurves.Overlay("Validation loss per fold", "Loss", folds));

        Assert.Equal((TrainingCurves.DefaultWidth, TrainingCurves.DefaultHeight), (bitmap.Width, bitmap.Height));
        // ScottPlot's default palette starts with Category10's blue and orange.
        Assert.True(DecodedPng.CountPixels(bitmap, SKColor.Parse("#1F77B4")) > 50);
        Assert.True(DecodedPng.CountPixels(bitmap, SKColor.Parse("#FF7F0E")) > 50);
    }

    [Fact]
    public void Overlay_RejectsNoSeries()
    {
        Assert.Throws<ArgumentException>(() => TrainingCurves.Overlay("Nothing", "Loss", []));
    }

    [Fact]
    public void Fixed_axes_place_the_curves_on_the_given_scale()
    {
        // The same curves on a 0-10 scale sit in the bottom strip of the plot; on a 0-0.6 scale their lowest value,
        // 0.25, is over 40% of the way up. The legend, placed from the data alone, is the same in both.
        int BottomQuarterBlue(double top)
        {
            using SKBitmap bitmap = DecodedPng.Decode(TrainingCurves.Loss(TrainingLoss, ValidationLoss, axes: new CurveAxes(6, 0, top)));
            int count = 0;
            for (int y = bitmap.Height * 3 / 4; y < bitmap.Height; y++)
                for (int x = 0; x < bitmap.Width; x++)
                    if (DecodedPng.Same(bitmap.GetPixel(x, y), Blue)) count++;
            return count;
        }

        Assert.True(BottomQuarterBlue(10) > BottomQuarterBlue(0.6) + 100);
    }

    [Fact]
    public void Spanning_axes_hold_every_value_and_the_longest_series()
    {
        var axes = CurveAxes.Spanning([TrainingLoss, ValidationLoss, [0.9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]]);

        Assert.Equal(8, axes.Epochs);
        Assert.InRange(axes.Bottom, 0, 0.1);
        Assert.True(axes.Top > 0.9);
    }
}
