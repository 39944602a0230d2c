using System.Text.Json;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Tests.Data;
using Tailor.Tests.Data.Images;

namespace Tailor.Tests.Cli;

/// <summary>
/// `tailor train --images` on a folder of any classes, size and colour, then evaluate and predict with the
/// class names saved in the model; and the folder's bad inputs, each one error line with nothing written.
/// </summary>
public sealed class CliImageFolderTests(VendoredFashionMnistFixture fixture) : IClassFixture<VendoredFashionMnistFixture>, IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private CliProcess.Result Run(params string[] args) => CliProcess.Run(_temp.Path, args);

    /// <summary>Three well-separated classes, 120 training and 30 test images each, 64x64 colour in PNG, JPEG and WebP.</summary>
    private string ColourFolder(string name = "shoes", int size = 64)
    {
        string folder = _temp.File(name);
        ColorFashionFolder.Write(fixture.Dataset, ["Trouser", "Bag", "Sneaker"], size, size, folder, seed: 1, perClass: 150);
        return folder;
    }

    private static string OneErrorLine(CliProcess.Result result)
    {
        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.ErrorLines.Length == 1, $"Expected one error line, got:\n{result.Stderr}");
        Assert.StartsWith("tailor: error: ", result.ErrorLines[0]);
        return result.ErrorLines[0];
    }

    [Fact]
    public void A_colour_folder_of_three_classes_trains_and_the_model_evaluates_and_predicts_with_its_class_names()
    {
        string images = ColourFolder();
        string output = _temp.File("run");

        var train = Run("train", "--images", images, "--image-size", "64x64", "--color", "rgb", "--epochs", "12", "--out", output);

        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("64x64 RGB images", train.Stdout);
        Assert.Contains("(None, 62, 62, 32)", train.Stdout);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        double accuracy = metrics.RootElement.GetProperty("test_accuracy").GetDouble();
        Assert.True(accuracy >= 0.9, $"held-out accuracy {accuracy}");
        Assert.Equal(["Bag", "Sneaker", "Trouser"], metrics.RootElement.GetProperty("classes").EnumerateArray().Select(e => e.GetString()));

        string model = Path.Combine(output, "model.safetensors");
        var evaluate = Run("evaluate", "--model", model, "--heatmap", _temp.File("heatmap.png"), "--confused", _temp.File("confused.png"));
        Assert.True(evaluate.ExitCode == 0, evaluate.Stderr);
        Assert.True(File.Exists(_temp.File("heatmap.png")));
        // The confused pairs are drawn in colour, as the model saw them.
        Assert.True(File.Exists(_temp.File("confused.png")) || evaluate.Stdout.Contains("confused no test image"), evaluate.Stdout);
        Assert.Contains($"test accuracy {accuracy:F4} on 90 images", evaluate.Stdout);
        Assert.Matches(@"\n\s+Sneaker\s+\d\.\d{4}\s+\d\.\d{4}\s+\d\.\d{4}\s+30\n", evaluate.Stdout);

        string sneaker = Directory.GetFiles(Path.Combine(images, "test", "Sneaker")).Order().First();
        var predict = Run("predict", "--model", model, sneaker, "--inputs-out", _temp.File("inputs"));
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        Assert.Matches(@": (Sneaker|Bag|Trouser) \d+\.\d%, (Sneaker|Bag|Trouser) \d+\.\d%, (Sneaker|Bag|Trouser) \d+\.\d%", predict.Stdout);
        // The input the model saw is the 64x64 colour image, as training read it.
        var seen = ImageDecoder.Decode(Path.Combine(_temp.File("inputs"), Path.GetFileName(sneaker) + ".input.png"));
        Assert.Equal((64, 64), (seen.Width, seen.Height));

        var byIndex = Run("predict", "--model", model, "--index", "0");
        Assert.True(byIndex.ExitCode == 0, byIndex.Stderr);
        Assert.StartsWith("Test image 0: Bag (", byIndex.Stdout.Split('\n').First(l => l.StartsWith("Test image")));
    }

    [Fact]
    public void A_streamed_folder_trains_to_the_same_model_and_metrics_as_in_memory()
    {
        string images = _temp.File("export");
        Assert.Equal(0, Run("data", "export", "--train-images", "400", "--test-images", "100", "--validation-images", "80", "--out", images).ExitCode);
        string[] common = ["train", "--images", images, "--model", "cnn-dropout", "--epochs", "2", "--augment", "flip"];

        var memory = Run([.. common, "--out", _temp.File("memory")]);
        var streamed = Run([.. common, "--out", _temp.File("streamed"), "--stream"]);

        Assert.True(memory.ExitCode == 0 && streamed.ExitCode == 0, memory.Stderr + streamed.Stderr);
        Assert.Contains("streamed from disk", streamed.Stdout);
        Assert.Equal(File.ReadAllBytes(_temp.File("memory/model.safetensors")), File.ReadAllBytes(_temp.File("streamed/model.safetensors")));
        static string[] Metrics(string path) => [.. File.ReadAllLines(path).Where(l => !l.Contains("seconds"))];
        Assert.Equal(Metrics(_temp.File("memory/metrics.json")), Metrics(_temp.File("streamed/metrics.json")));
    }

    [Fact]
    public void A_folder_with_one_class_is_refused_naming_it()
    {
        string images = ColourFolder(size: 28);
        foreach (string split in new[] { "train", "test" })
            foreach (string c in new[] { "Bag", "Sneaker" }) Directory.Delete(Path.Combine(images, split, c), recursive: true);

        AssertRefused(["--images", images], Path.Combine(images, "train"), "holds one class folder ('Trouser')");
    }

    [Fact]
    public void An_empty_class_folder_is_refused_naming_it()
    {
        string images = ColourFolder(size: 28);
        foreach (string file in Directory.GetFiles(Path.Combine(images, "train", "Bag"))) File.Delete(file);

        AssertRefused(["--images", images], Path.Combine(images, "train", "Bag"), "holds no images");
    }

    [Fact]
    public void A_class_of_unreadable_images_only_is_refused_naming_a_file_or_with_skipping_the_folder()
    {
        string images = ColourFolder(size: 28);
        string[] files = Directory.GetFiles(Path.Combine(images, "train", "Bag"));
        foreach (string file in files) File.WriteAllBytes(file, [1, 2, 3]);

        AssertRefused(["--images", images], files.Order(StringComparer.Ordinal).First(), "not an image");
        // With --skip-unreadable, each skipped file is a warning; the error names the class folder left empty.
        var result = Run("train", "--images", images, "--skip-unreadable", "--out", _temp.File("out"));
        Assert.NotEqual(0, result.ExitCode);
        string error = Assert.Single(result.ErrorLines, l => l.StartsWith("tailor: error: "));
        Assert.Contains($"{Path.Combine(images, "train", "Bag")}: holds no readable image: all {files.Length} of its image files were skipped", error);
        Assert.All(result.ErrorLines.Where(l => l != error), l => Assert.StartsWith("tailor: warning: skipped ", l));
        Assert.False(Directory.Exists(_temp.File("out")));
    }

    [Fact]
    public void Train_and_test_folders_with_other_classes_are_refused_naming_both_sets()
    {
        string images = ColourFolder(size: 28);
        Directory.Move(Path.Combine(images, "test", "Bag"), Path.Combine(images, "test", "Handbag"));

        AssertRefused(["--images", images], Path.Combine(images, "test"), "missing 'Bag'; unexpected 'Handbag'");
    }

    [Theory]
    [InlineData("0x5")]
    [InlineData("64")]
    [InlineData("64x-1")]
    [InlineData("2000x64")]
    public void An_image_size_that_is_not_two_sides_of_1_to_1024_is_refused(string size) =>
        AssertRefused(["--images", _temp.Subfolder("unread"), "--image-size", size], "--image-size", $"received '{size}'");

    [Fact]
    public void Images_too_small_for_the_model_are_refused_naming_the_layer() =>
        AssertRefused(["--images", ColourFolder(size: 28), "--image-size", "12x12"], "--image-size 12x12 is too small for --model cnn", "Conv2D 'conv2d_2'");

    [Fact]
    public void A_model_trained_on_colour_refuses_a_folder_of_grayscale_images()
    {
        string images = ColourFolder(size: 28);
        string output = _temp.File("run");
        Assert.Equal(0, Run("train", "--images", images, "--color", "rgb", "--model", "dense", "--epochs", "1", "--out", output).ExitCode);
        string gray = _temp.File("gray");
        foreach (string c in new[] { "Bag", "Sneaker", "Trouser" })
        {
            string folder = Directory.CreateDirectory(Path.Combine(gray, "test", c)).FullName;
            TestImages.Write(Path.Combine(folder, "1.png"), TestImages.GrayPng(new byte[28 * 28], 28, 28));
        }

        string line = OneErrorLine(Run("evaluate", "--model", Path.Combine(output, "model.safetensors"), "--images", gray, "--heatmap", _temp.File("heatmap.png")));
        Assert.Contains($"{Path.Combine(gray, "test")}: holds only grayscale images (3 files), but the model was trained on RGB images", line);
        Assert.False(File.Exists(_temp.File("heatmap.png")));
        string one = OneErrorLine(Run("predict", "--model", Path.Combine(output, "model.safetensors"), Path.Combine(gray, "test", "Bag")));
        Assert.Contains($"{Path.Combine(gray, "test", "Bag")}: holds only grayscale images (1 file), but the model was trained on RGB images", one);
    }

    [Fact]
    public void Shape_options_without_images_are_refused() =>
        AssertRefused(["--color", "rgb"], "--color", "the IDX images are 28x28 grayscale");

    private void AssertRefused(string[] options, params string[] expected)
    {
        string output = _temp.File("out");
        string line = OneErrorLine(Run(["train", "--epochs", "1", "--out", output, .. options]));
        foreach (string part in expected) Assert.Contains(part, line);
        Assert.False(Directory.Exists(output), $"{output} was written");
    }
}
