using SkiaSharp;
using Tailor.Models;
using Tailor.Tests.Data;
using Tailor.Tests.Data.Images;
using Tailor.Serialization;

namespace Tailor.Tests.Cli;

/// <summary>
/// The bad inputs of `tailor data export` and `tailor train --images` (that training from an export equals
/// training from the IDX files is tested on the library, in FashionMnistImagesTests, where a small sample is quick).
/// </summary>
public sealed class CliImagesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private CliProcess.Result Run(params string[] args) => CliProcess.Run(_temp.Path, args);

    private static string OneErrorLine(CliProcess.Result result)
    {
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.ErrorLines.Length == 1, $"Expected one error line, got:\n{result.Stderr}");
        Assert.StartsWith("tailor: error: ", result.ErrorLines[0]);
        return result.ErrorLines[0];
    }

    [Fact]
    public void A_corrupt_image_stops_training_with_its_name_unless_skipped()
    {
        string images = _temp.File("images");
        var pixels = new byte[784];
        foreach (string split in new[] { "train", "test" })
            for (int label = 0; label < 10; label++)
                for (int i = 0; i < 3; i++)
                    TestImages.Write(Path.Combine(images, split, $"class{label}", $"{i}.png"), TestImages.GrayPng(pixels, 28, 28));
        string bad = TestImages.Write(Path.Combine(images, "train", "class3", "9.png"), [1, 2, 3]);

        string line = OneErrorLine(Run("train", "--images", images, "--model", "dense", "--epochs", "1", "--out", _temp.File("out")));
        Assert.Contains(bad, line);
        Assert.False(Directory.Exists(_temp.File("out")));

        var skipped = Run("train", "--images", images, "--model", "dense", "--epochs", "1", "--out", _temp.File("out"), "--skip-unreadable");
        Assert.True(skipped.ExitCode == 0, skipped.Stderr);
        Assert.Contains($"tailor: warning: skipped {bad}", skipped.Stderr);
    }

    [Fact]
    public void Predict_prints_a_top_3_per_photo_and_one_error_line_for_the_file_it_cannot_decode()
    {
        var model = NotebookModels.Create(NotebookModel.Cnn, seed: 7);
        model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
        string modelFile = _temp.File("model.safetensors");
        model.Save(modelFile);
        string photos = _temp.Subfolder("photos");
        TestImages.Write(Path.Combine(photos, "dark-on-white.jpg"), GarmentPhotos.Draw(400, 300, SKColors.Black, SKColors.White, SKEncodedImageFormat.Jpeg));
        TestImages.Write(Path.Combine(photos, "gray-alpha.png"), GarmentPhotos.Draw(90, 120, new SKColor(70, 70, 70), SKColors.Transparent, SKEncodedImageFormat.Png));
        string broken = TestImages.Write(Path.Combine(photos, "broken.png"), [0x89, (byte)'P', (byte)'N', (byte)'G']);
        string single = TestImages.Write(_temp.File("light-on-dark.png"), GarmentPhotos.Draw(50, 70, SKColors.White, SKColors.Black, SKEncodedImageFormat.Png));

        var result = Run("predict", "--model", modelFile, photos, single, "--inputs-out", _temp.File("inputs"));

        Assert.Equal(1, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"tailor: error: {broken}: ", line);
        var predicted = result.Stdout.Split('\n').Where(l => l.Contains('%')).ToArray();
        Assert.Equal(3, predicted.Length);
        Assert.All(predicted, l => Assert.Matches(@": [^,]+ \d+\.\d%, [^,]+ \d+\.\d%, [^,]+ \d+\.\d%$", l));
        Assert.Equal(["dark-on-white.jpg.input.png", "gray-alpha.png.input.png", "light-on-dark.png.input.png"],
            Directory.GetFiles(_temp.File("inputs")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_folder_without_test_images_says_what_it_expected()
    {
        _temp.Subfolder("images", "train", "a");

        Assert.Contains("lacks its 'test' subfolder", OneErrorLine(Run("train", "--images", _temp.File("images"), "--out", _temp.File("out"))));
    }

    [Fact]
    public void An_unknown_format_lists_the_valid_ones() =>
        Assert.Contains("Valid formats: png, jpeg", OneErrorLine(Run("data", "export", "--format", "gif", "--out", _temp.File("x"))));
}
