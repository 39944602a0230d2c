using Tailor.Common;
using Tailor.Data;
using Tailor.Data.Images;

namespace Tailor.Tests.Data.Images;

public sealed class ColorFashionFolderTests(VendoredFashionMnistFixture fixture) : IClassFixture<VendoredFashionMnistFixture>, IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Writes_train_and_test_folders_of_the_classes_in_three_formats_at_the_size_asked()
    {
        string folder = _temp.File("shoes");

        int written = ColorFashionFolder.Write(fixture.Dataset, ["sneaker", "Bag"], 40, 30, folder, seed: 3, testFraction: 0.25, perClass: 12);

        Assert.Equal(24, written);
        var splits = ImageFolderSplits.Open(folder, new ImageFolderOptions { Height = 40, Width = 30, ColorMode = ColorMode.Rgb });
        Assert.Equal(["Bag", "Sneaker"], splits.ClassNames);
        Assert.Equal((18, 6), (splits.Train.Count, splits.Test.Count));
        Assert.Equal([".jpg", ".png", ".webp"], splits.Train.Files.Select(Path.GetExtension).Distinct().Order());
        Assert.All(splits.Train.Files, f => Assert.Equal((30, 40), ImageDecoder.ReadSize(f)));
        Assert.False(splits.Train.HoldsOnlyGrayscale());
    }

    [Fact]
    public void Colours_are_drawn_per_image_from_the_seed_not_per_class()
    {
        var image = fixture.Dataset.Test.Image(0);
        byte[] a = ColorFashionFolder.Colorize(image, 28, 28, 28, 28, new Rng(1));
        byte[] b = ColorFashionFolder.Colorize(image, 28, 28, 28, 28, new Rng(1));
        byte[] c = ColorFashionFolder.Colorize(image, 28, 28, 28, 28, new Rng(2));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // The corner is background, and the garment differs from it in every channel by at least the margin.
        Assert.NotEqual(a[..3], a.AsSpan(3 * (14 * 28 + 14), 3).ToArray());
    }

    [Fact]
    public void A_folder_that_holds_files_or_a_single_class_is_refused()
    {
        string used = _temp.Subfolder("used");
        File.WriteAllText(Path.Combine(used, "notes.txt"), "mine");

        Assert.Contains("already holds files", Assert.Throws<IOException>(() => ColorFashionFolder.Write(fixture.Dataset, ["Bag", "Trouser"], 8, 8, used)).Message);
        Assert.Contains("two or more different classes", Assert.Throws<ArgumentException>(() => ColorFashionFolder.Write(fixture.Dataset, ["Bag", "bag"], 8, 8, _temp.File("x"))).Message);
        Assert.Contains("Unknown class 'Hat'", Assert.Throws<ArgumentException>(() => ColorFashionFolder.Write(fixture.Dataset, ["Bag", "Hat"], 8, 8, _temp.File("x"))).Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(used, "notes.txt")));
    }
}
