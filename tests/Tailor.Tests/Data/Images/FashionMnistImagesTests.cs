using System.Runtime.InteropServices;
using System.Text.Json;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Models;
using Tailor.Studies;

namespace Tailor.Tests.Data.Images;

/// <summary>A small sample of the real images exported and read back: the folder path must give the IDX path's tensors.</summary>
public sealed class FashionMnistImagesTests(VendoredFashionMnistFixture fixture) : IClassFixture<VendoredFashionMnistFixture>, IDisposable
{
    private static readonly FashionSampleOptions Small = new() { TrainCount = 300, TestCount = 100, ValidationCount = 60 };

    private readonly FashionMnistDataset _data = fixture.Dataset;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private (FashionSample Sample, ImageFolderSplits Splits) ExportAndOpen(ImageFileFormat format)
    {
        var sample = FashionSample.Draw(_data, Small);
        string folder = _temp.File(format.ToString());
        Assert.Equal(400, FashionMnistImages.Export(_data, sample, folder, format));
        var options = new ImageFolderOptions
        {
            Order = ImageOrder.ByFileName,
            ClassNames = FashionMnistImages.ClassOrderOf(Path.Combine(folder, ImageFolderSplits.TrainFolder)),
        };
        return (sample, ImageFolderSplits.Open(folder, options));
    }

    [Fact]
    public void Png_folders_give_the_idx_tensors_bit_for_bit_in_the_same_order()
    {
        var (sample, splits) = ExportAndOpen(ImageFileFormat.Png);
        var (train, validation, test) = splits.ToTensors();

        Assert.Equal(FashionMnistImages.FolderNames, splits.ClassNames);
        AssertSameBits(sample.Train, train);
        AssertSameBits(sample.Validation, validation);
        AssertSameBits(sample.Test, test);
    }

    [Fact]
    public void Training_from_the_png_folders_retraces_the_idx_run_exactly()
    {
        var (sample, splits) = ExportAndOpen(ImageFileFormat.Png);
        var (train, validation, test) = splits.ToTensors();
        var options = new TrainingOptions { Model = NotebookModel.Cnn, Epochs = 1, Seed = 3 };

        var fromIdx = TrainingRun.Train(sample, options, verbose: 0);
        var fromPng = TrainingRun.Train(train, validation, test, sample.Options, options, verbose: 0);

        Assert.Equal(fromIdx.History["loss"], fromPng.History["loss"]);
        Assert.Equal(fromIdx.History["val_accuracy"], fromPng.History["val_accuracy"]);
        Assert.Equal(fromIdx.Test, fromPng.Test);
        Assert.Equal(fromIdx.Model.GetWeights(), fromPng.Model.GetWeights());
    }

    [Fact]
    public void Jpeg_folders_keep_order_and_labels_and_stay_close_to_the_pixels()
    {
        var (sample, splits) = ExportAndOpen(ImageFileFormat.Jpeg);
        var (train, _, test) = splits.ToTensors();

        Assert.Equal(sample.Train.Labels, train.Labels);
        Assert.Equal(sample.Test.Labels, test.Labels);
        var expected = sample.Train.Images.Span;
        var actual = train.Images.Span;
        double meanError = 0;
        for (int i = 0; i < expected.Length; i++) meanError += Math.Abs(expected[i] - actual[i]);
        meanError /= expected.Length;
        Assert.InRange(meanError, 1e-4, 3 / 255.0); // lossy, but only just
    }

    [Fact]
    public void Files_are_numbered_by_position_with_a_manifest_of_their_idx_indices()
    {
        var (sample, splits) = ExportAndOpen(ImageFileFormat.Png);
        string folder = _temp.File(nameof(ImageFileFormat.Png));

        Assert.Equal("00000.png", Path.GetFileName(splits.Validation!.Files[0]));
        Assert.Equal("00239.png", Path.GetFileName(splits.Train.Files[^1]));
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, FashionMnistImages.ManifestName)));
        var indices = manifest.RootElement.GetProperty("idx_indices");
        Assert.Equal(sample.TrainIndices.Take(60), indices.GetProperty("validation").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(sample.TestIndices, indices.GetProperty("test").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void The_manifest_gives_back_the_sample_options()
    {
        ExportAndOpen(ImageFileFormat.Png);

        Assert.Equal(Small, FashionMnistImages.ReadSampleOptions(_temp.File(nameof(ImageFileFormat.Png))));
        Assert.Null(FashionMnistImages.ReadSampleOptions(_temp.Path));
    }

    [Fact]
    public void Exporting_over_an_earlier_export_is_refused()
    {
        ExportAndOpen(ImageFileFormat.Png);
        var sample = FashionSample.Draw(_data, Small);

        var e = Assert.Throws<IOException>(() => FashionMnistImages.Export(_data, sample, _temp.File(nameof(ImageFileFormat.Png)), ImageFileFormat.Jpeg));
        Assert.Contains("already holds files", e.Message);
    }

    [Theory]
    [InlineData(0, 10, "00000.png")]
    [InlineData(59_999, 60_000, "59999.png")]
    [InlineData(7, 1_000_000, "000007.png")]
    public void File_names_sort_in_numeric_order(int position, int count, string expected) =>
        Assert.Equal(expected, FashionMnistImages.FileName(position, count, ImageFileFormat.Png));

    private static void AssertSameBits(LabeledTensors expected, LabeledTensors actual)
    {
        Assert.Equal(expected.Images.Shape.ToArray(), actual.Images.Shape.ToArray());
        Assert.True(MemoryMarshal.AsBytes(expected.Images.Span).SequenceEqual(MemoryMarshal.AsBytes(actual.Images.Span)), "The image tensors differ in their bits.");
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.True(MemoryMarshal.AsBytes(expected.OneHot.Span).SequenceEqual(MemoryMarshal.AsBytes(actual.OneHot.Span)), "The one-hot tensors differ.");
    }
}
