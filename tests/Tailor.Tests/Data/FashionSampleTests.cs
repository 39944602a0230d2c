using Tailor.Data;

namespace Tailor.Tests.Data;

/// <summary>Sampling on a synthetic dataset where image i is filled with i % 256 and labelled i % 10.</summary>
public sealed class FashionSampleTests
{
    private static readonly FashionMnistDataset Data = SyntheticFashion.Dataset(trainCount: 600, testCount: 200);

    private static readonly FashionSampleOptions Small = new() { Seed = 1109, TrainCount = 100, TestCount = 40, ValidationCount = 30 };

    [Fact]
    public void Same_seed_gives_the_same_indices()
    {
        var first = FashionSample.Draw(Data, Small);
        var second = FashionSample.Draw(Data, Small);

        Assert.Equal(first.TrainIndices, second.TrainIndices);
        Assert.Equal(first.TestIndices, second.TestIndices);
    }

    [Fact]
    public void Different_seeds_give_different_indices()
    {
        var first = FashionSample.Draw(Data, Small);
        var second = FashionSample.Draw(Data, Small with { Seed = 1110 });

        Assert.NotEqual(first.TrainIndices, second.TrainIndices);
        Assert.NotEqual(first.TestIndices, second.TestIndices);
    }

    [Fact]
    public void Indices_are_distinct_positions_of_their_file()
    {
        var sample = FashionSample.Draw(Data, Small);

        Assert.Equal(100, sample.TrainIndices.Distinct().Count());
        Assert.Equal(40, sample.TestIndices.Distinct().Count());
        Assert.All(sample.TrainIndices, i => Assert.InRange(i, 0, 599));
        Assert.All(sample.TestIndices, i => Assert.InRange(i, 0, 199));
    }

    [Fact]
    public void The_first_sampled_training_images_validate_and_the_rest_train()
    {
        var sample = FashionSample.Draw(Data, Small);

        Assert.Equal(30, sample.Validation.Count);
        Assert.Equal(70, sample.Train.Count);
        Assert.Equal(40, sample.Test.Count);
        AssertHoldsImages(sample.Validation, sample.TrainIndices.Take(30));
        AssertHoldsImages(sample.Train, sample.TrainIndices.Skip(30));
        AssertHoldsImages(sample.Test, sample.TestIndices);
    }

    [Fact]
    public void Images_are_nhwc_and_scaled_to_the_unit_range()
    {
        var sample = FashionSample.Draw(Data, Small);

        Assert.Equal("(70, 28, 28, 1)", sample.Train.Images.ShapeString);
        Assert.Equal("(70, 10)", sample.Train.OneHot.ShapeString);
        foreach (var split in new[] { sample.Train, sample.Validation, sample.Test })
            Assert.All(split.Images.Span.ToArray(), v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Pixel_values_map_exactly_to_value_over_255()
    {
        byte[] pixels = [0, 1, 127, 128, 254, 255];
        var scaled = new float[pixels.Length];

        PixelScaling.ToUnitRange(pixels, scaled);

        Assert.Equal([0f, 1f / 255f, 127f / 255f, 128f / 255f, 254f / 255f, 1f], scaled);
    }

    [Fact]
    public void One_hot_rows_match_the_labels()
    {
        var sample = FashionSample.Draw(Data, Small);

        for (int i = 0; i < sample.Train.Count; i++)
            for (int c = 0; c < 10; c++)
                Assert.Equal(c == sample.Train.Labels[i] ? 1f : 0f, sample.Train.OneHot[i, c]);
    }

    [Fact]
    public void Full_takes_every_image_in_file_order_and_holds_out_the_first()
    {
        var options = FashionSampleOptions.Full with { ValidationCount = 100 };

        var sample = FashionSample.Draw(Data, options);

        Assert.Equal(Enumerable.Range(0, 600), sample.TrainIndices);
        Assert.Equal(Enumerable.Range(0, 200), sample.TestIndices);
        Assert.Equal(100, sample.Validation.Count);
        Assert.Equal(500, sample.Train.Count);
        AssertHoldsImages(sample.Validation, Enumerable.Range(0, 100));
    }

    [Fact]
    public void Defaults_are_the_notebooks()
    {
        var notebook = FashionSampleOptions.Notebook;
        var full = FashionSampleOptions.Full;

        Assert.Equal((1109UL, 10_000, 2_500, 2_000), (notebook.Seed, notebook.TrainCount, notebook.TestCount, notebook.ValidationCount));
        Assert.Equal((null, null, 10_000), (full.TrainCount, full.TestCount, full.ValidationCount));
    }

    [Fact]
    public void More_training_images_than_the_file_holds_is_rejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FashionSample.Draw(Data, Small with { TrainCount = 601 }));

        Assert.Contains("expected 1 to 599", e.Message);
        Assert.Contains("TrainCount=601", e.Message);
    }

    [Fact]
    public void Validation_must_leave_images_to_train_on()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FashionSample.Draw(Data, Small with { ValidationCount = 100 }));

        Assert.Contains("ValidationCount=100", e.Message);
    }

    /// <summary>Each tensor row must be the synthetic image at the given file position, with its label.</summary>
    private static void AssertHoldsImages(LabeledTensors split, IEnumerable<int> positions)
    {
        int[] expected = [.. positions];
        Assert.Equal(expected.Length, split.Count);
        for (int row = 0; row < expected.Length; row++)
        {
            float value = (expected[row] % 256) / 255f;
            Assert.Equal(value, split.Images[row, 0, 0, 0]);
            Assert.Equal(value, split.Images[row, 27, 27, 0]);
            Assert.Equal(expected[row] % 10, split.Labels[row]);
        }
    }
}
