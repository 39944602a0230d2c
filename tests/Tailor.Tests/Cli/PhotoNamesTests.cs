using SkiaSharp;
using Tailor.Models;
using Tailor.Tests.Data;
using Tailor.Tests.Data.Images;
using Tailor.Serialization;

namespace Tailor.Tests.Cli;

/// <summary>
/// `tailor predict` on files whose names could fool a reader of its output: a newline in a name is
/// printed escaped, so it cannot fake a line; two images of the same name in different folders get
/// inputs of different names under --inputs-out, so that neither overwrites the other.
/// </summary>
public sealed class PhotoNamesTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string ModelFile()
    {
        var model = NotebookModels.Create(NotebookModel.Dense, seed: 7);
        model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
        string path = _temp.File("model.safetensors");
        model.Save(path);
        return path;
    }

    private static byte[] Photo(SKColor garment) => GarmentPhotos.Draw(60, 80, garment, SKColors.White, SKEncodedImageFormat.Png);

    [Fact]
    public void A_newline_in_a_file_name_is_escaped_and_fakes_no_line()
    {
        string photos = _temp.Subfolder("photos");
        TestImages.Write(Path.Combine(photos, "shoe\nfake.png: Bag 100.0%, Coat 0.0%, Shirt 0.0%.png"), Photo(SKColors.Black));
        TestImages.Write(Path.Combine(photos, "plain.png"), Photo(SKColors.DarkGray));
        string broken = TestImages.Write(Path.Combine(photos, "broken\ntailor: error: none.png"), [1, 2, 3]);

        var result = BoundedCli.Run(_temp.Path, "predict", "--model", ModelFile(), photos);

        Assert.Equal(1, result.ExitCode);
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.StartsWith(photos + "/", l));
        Assert.Contains(lines, l => l.StartsWith($"{photos}/shoe\\nfake.png: Bag 100.0%, Coat 0.0%, Shirt 0.0%.png: ", StringComparison.Ordinal));
        BoundedCli.AssertOneErrorLine(result, $"{photos}/broken\\ntailor: error: none.png: ");
        Assert.Contains(broken.Replace("\n", "\\n"), result.Stderr);
    }

    [Fact]
    public void Two_images_of_the_same_name_from_different_folders_keep_both_their_inputs()
    {
        string first = TestImages.Write(_temp.File("a/shoe.png"), Photo(SKColors.Black));
        string second = TestImages.Write(_temp.File("b/shoe.png"), GarmentPhotos.Draw(200, 60, SKColors.Black, SKColors.White, SKEncodedImageFormat.Png));
        string inputs = _temp.File("inputs");

        var result = BoundedCli.Run(_temp.Path, "predict", "--model", ModelFile(), _temp.File("a"), second, "--inputs-out", inputs);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(["shoe.png.2.input.png", "shoe.png.input.png"], Directory.GetFiles(inputs).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(inputs, "shoe.png.input.png")), File.ReadAllBytes(Path.Combine(inputs, "shoe.png.2.input.png")));
        Assert.Contains($"{second} as shoe.png.2.input.png", result.Stdout);
        Assert.DoesNotContain($"{first} as", result.Stdout);
    }
}
