using SkiaSharp;
using Tailor.Data;
using Tailor.Data.Images;

namespace Tailor.Tests.Data.Images;

public sealed class ImageFolderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A 4 x 4 grayscale PNG filled with <paramref name="value"/>.</summary>
    private string Png(string relative, byte value) =>
        TestImages.Write(_temp.File(relative), TestImages.GrayPng(Enumerable.Repeat(value, 16).ToArray(), 4, 4));

    private static ImageFolderOptions Small => new() { Height = 4, Width = 4 };

    [Fact]
    public void Classes_are_the_sorted_subfolders_and_files_are_sorted_within_each()
    {
        Png("set/dog/b.png", 20);
        Png("set/dog/a.png", 10);
        Png("set/cat/z.png", 30);
        Png("set/Zebra/a.png", 40); // ordinal: upper case sorts first
        File.WriteAllText(_temp.File("set/dog/notes.txt"), "not an image");
        Png("set/dog/.a.png.1234.tmp.png", 99); // hidden: a write in progress

        var folder = ImageFolder.Open(_temp.File("set"), Small);

        Assert.Equal(["Zebra", "cat", "dog"], folder.ClassNames);
        Assert.Equal(["a.png", "z.png", "a.png", "b.png"], folder.Files.Select(Path.GetFileName));
        Assert.Equal([0, 1, 2, 2], folder.Labels);
        Assert.Equal([40, 30, 10, 20], FirstPixels(folder.ToTensor()));
        Assert.True(folder.IsCached);
    }

    [Fact]
    public void File_name_order_interleaves_classes_by_number()
    {
        Png("set/b/00001.png", 1);
        Png("set/a/00002.png", 2);
        Png("set/b/00000.png", 0);

        var folder = ImageFolder.Open(_temp.File("set"), Small with { Order = ImageOrder.ByFileName });

        Assert.Equal(["00000.png", "00001.png", "00002.png"], folder.Files.Select(Path.GetFileName));
        Assert.Equal([1, 1, 0], folder.Labels);
    }

    [Fact]
    public void Explicit_class_names_set_the_labels_and_must_match_the_folders()
    {
        Png("set/a/1.png", 1);
        Png("set/b/1.png", 2);

        var folder = ImageFolder.Open(_temp.File("set"), Small with { ClassNames = ["b", "a"] });
        Assert.Equal(["b", "a"], folder.ClassNames);
        Assert.Equal([0, 1], folder.Labels);
        Assert.Equal([2, 1], FirstPixels(folder.ToTensor()));

        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Open(_temp.File("set"), Small with { ClassNames = ["a", "c"] }));
        Assert.Contains("missing 'c'", e.Message);
        Assert.Contains("unexpected 'b'", e.Message);
    }

    [Fact]
    public void A_corrupt_file_stops_the_folder_with_its_name_or_is_skipped()
    {
        Png("set/a/1.png", 1);
        string bad = TestImages.Write(_temp.File("set/a/2.png"), "this is not a PNG"u8.ToArray());
        Png("set/b/3.png", 3);

        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Open(_temp.File("set"), Small));
        Assert.Equal(bad, e.Path);

        var folder = ImageFolder.Open(_temp.File("set"), Small with { OnUnreadable = UnreadableImagePolicy.Skip });
        Assert.Equal(2, folder.Count);
        Assert.Equal([1, 3], FirstPixels(folder.ToTensor()));
        var skipped = Assert.Single(folder.Skipped);
        Assert.Equal(bad, skipped.Path);
        Assert.StartsWith("is not an image", skipped.Reason);
    }

    [Fact]
    public void Every_format_is_read_and_resized_to_the_model_input()
    {
        SKColor Light(int x, int y) => TestImages.Gray(200);
        TestImages.Write(_temp.File("set/a/1.png"), TestImages.Encode(10, 6, Light, SKEncodedImageFormat.Png));
        TestImages.Write(_temp.File("set/a/2.jpg"), TestImages.Encode(7, 9, Light, SKEncodedImageFormat.Jpeg, 95));
        TestImages.Write(_temp.File("set/a/3.webp"), TestImages.Encode(5, 5, Light, SKEncodedImageFormat.Webp));
        TestImages.Write(_temp.File("set/a/4.BMP"), TestImages.Bmp(3, 8, Light));
        TestImages.Write(_temp.File("set/a/5.gif"), TestImages.Gif(6, 6, Enumerable.Repeat((byte)2, 36).ToArray()));

        var folder = ImageFolder.Open(_temp.File("set"), new ImageFolderOptions { Height = 8, Width = 8 });
        var images = folder.ToTensor();

        Assert.Equal([5, 8, 8, 1], images.Shape.ToArray());
        var expected = new[] { 200f, 200f, 200f, 200f, 170f };
        for (int i = 0; i < 5; i++)
            for (int p = 0; p < 64; p++)
                Assert.InRange(images.Span[i * 64 + p] * 255, expected[i] - 2, expected[i] + 2);
    }

    [Fact]
    public void Rgb_mode_gives_three_channels()
    {
        TestImages.Write(_temp.File("set/a/1.png"), TestImages.Encode(2, 2, (_, _) => new SKColor(255, 128, 0), SKEncodedImageFormat.Png));

        var images = ImageFolder.Open(_temp.File("set"), new ImageFolderOptions { Height = 2, Width = 2, ColorMode = ColorMode.Rgb }).ToTensor();

        Assert.Equal([1, 2, 2, 3], images.Shape.ToArray());
        Assert.Equal([1f, 128 / 255f, 0f], images.Span[..3].ToArray());
    }

    [Fact]
    public void Beyond_the_memory_budget_batches_are_decoded_on_the_fly_with_the_same_values()
    {
        var rng = new Random(5);
        for (int i = 0; i < 7; i++)
        {
            var pixels = new byte[36];
            rng.NextBytes(pixels);
            TestImages.Write(_temp.File($"set/{(char)('a' + i % 3)}/{i}.png"), TestImages.GrayPng(pixels, 6, 6));
        }
        var options = new ImageFolderOptions { Height = 6, Width = 6 };
        var cached = ImageFolder.Open(_temp.File("set"), options);
        var streamed = ImageFolder.Open(_temp.File("set"), options with { MemoryBudgetBytes = 100 });

        Assert.True(cached.IsCached);
        Assert.False(streamed.IsCached);
        var all = cached.ToLabeledTensors();
        var batches = streamed.Batches(3).Select(b => (b.Images.Span.ToArray(), b.Labels, b.OneHot.Span.ToArray())).ToList();
        Assert.Equal([3, 3, 1], batches.Select(b => b.Labels.Length));
        Assert.Equal(all.Images.Span.ToArray(), batches.SelectMany(b => b.Item1));
        Assert.Equal(all.Labels, batches.SelectMany(b => b.Labels));
        Assert.Equal(all.OneHot.Span.ToArray(), batches.SelectMany(b => b.Item3));
    }

    [Fact]
    public void A_folder_without_class_subfolders_or_images_says_what_it_expected()
    {
        Directory.CreateDirectory(_temp.File("empty"));
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Open(_temp.File("empty")));
        Assert.Contains("no class subfolders", e.Message);

        Directory.CreateDirectory(_temp.File("noimages/a"));
        e = Assert.Throws<DataFormatException>(() => ImageFolder.Open(_temp.File("noimages")));
        Assert.Contains("no images", e.Message);

        Assert.Throws<DataNotFoundException>(() => ImageFolder.Open(_temp.File("missing")));
    }

    [Fact]
    public void A_class_folder_without_images_or_with_only_skipped_ones_is_refused_naming_it()
    {
        Png("a/train/cat/1.png", 10);
        Directory.CreateDirectory(_temp.File("a/train/dog"));
        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Open(_temp.File("a/train"), Small));
        Assert.Equal(_temp.File("a/train/dog"), e.Path);
        Assert.Contains("holds no images", e.Message);

        TestImages.Write(_temp.File("a/train/dog/1.png"), [1, 2, 3]);
        TestImages.Write(_temp.File("a/train/dog/2.png"), [4, 5, 6]);
        e = Assert.Throws<DataFormatException>(() => ImageFolder.Open(_temp.File("a/train"), Small with { OnUnreadable = UnreadableImagePolicy.Skip }));
        Assert.Equal(_temp.File("a/train/dog"), e.Path);
        Assert.Contains("all 2 of its image files were skipped as unreadable", e.Message);
    }

    [Fact]
    public void A_folder_holds_only_grayscale_when_every_file_stores_one_gray_channel()
    {
        Png("g/cat/1.png", 10);
        Png("g/dog/1.png", 200);
        Assert.True(ImageFolder.Open(_temp.File("g"), Small).HoldsOnlyGrayscale());

        // An RGB file counts as colour even when its pixels are gray: the header decides.
        TestImages.Write(_temp.File("g/dog/2.png"), ImageEncoder.EncodeRgb(Enumerable.Repeat((byte)90, 48).ToArray(), 4, 4, ImageFileFormat.Png));
        Assert.False(ImageFolder.Open(_temp.File("g"), Small).HoldsOnlyGrayscale());
    }

    [Fact]
    public void An_image_over_the_pixel_budget_stops_the_folder_or_is_skipped_in_cached_and_streamed_folders()
    {
        Png("set/a/1.png", 1);
        string bomb = TestImages.Write(_temp.File("set/a/2.png"), ImageBombs.Png(30_000, 30_000));
        TestImages.Write(_temp.File("set/b/3.png"), TestImages.GrayPng(new byte[25], 5, 5));
        // Every class keeps an image (a class left empty is refused: see the test above).
        Png("set/b/4.png", 2);

        foreach (var options in new[] { Small, Small with { MemoryBudgetBytes = 0 } })
        {
            var e = Assert.Throws<DataFormatException>(() => ImageFolder.Open(_temp.File("set"), options));
            Assert.Equal(bomb, e.Path);

            var folder = ImageFolder.Open(_temp.File("set"), options with { OnUnreadable = UnreadableImagePolicy.Skip, MaxImagePixels = 24 });
            Assert.Equal(["1.png", "4.png"], folder.Files.Select(Path.GetFileName));
            Assert.Equal([bomb, _temp.File("set/b/3.png")], folder.Skipped.Select(s => s.Path));
            Assert.StartsWith("declares 30000 x 30000 pixels (900,000,000), more than the limit of 24", folder.Skipped[0].Reason);
            Assert.StartsWith("declares 5 x 5 pixels (25), more than the limit of 24", folder.Skipped[1].Reason);
        }
    }

    [Fact]
    public void Links_to_files_are_read_and_links_to_folders_are_listed_not_followed()
    {
        Png("set/a/1.png", 10);
        Png("set/b/1.png", 20);
        Png("outside/b/2.png", 30);
        Png("outside/3.png", 40);
        File.CreateSymbolicLink(_temp.File("set/a/loop"), "..");
        File.CreateSymbolicLink(_temp.File("set/b/away"), _temp.File("outside"));
        File.CreateSymbolicLink(_temp.File("set/b/linked.png"), _temp.File("outside/3.png"));
        File.CreateSymbolicLink(_temp.File("set/c"), _temp.File("outside/b"));

        var folder = ImageFolder.Open(_temp.File("set"), Small);

        Assert.Equal(["a", "b"], folder.ClassNames);
        Assert.Equal(["a/1.png", "b/1.png", "b/linked.png"], folder.Files.Select(f => Path.GetRelativePath(_temp.File("set"), f)));
        Assert.Equal([10, 20, 40], FirstPixels(folder.ToTensor()));
        Assert.Equal([_temp.File("set/a/loop"), _temp.File("set/b/away"), _temp.File("set/c")], folder.IgnoredLinks);

        var e = Assert.Throws<DataFormatException>(() => ImageFolder.Open(_temp.File("set"), Small with { ClassNames = ["a", "b", "c"] }));
        Assert.Contains("missing 'c' ('c' is a symbolic link to a folder, which Tailor does not follow inside an image folder)", e.Message);
    }

    [Fact]
    public void A_split_folder_that_is_a_link_is_refused_with_its_name()
    {
        Png("set/train/a/1.png", 10);
        Png("elsewhere/a/2.png", 20);
        File.CreateSymbolicLink(_temp.File("set/test"), _temp.File("elsewhere"));

        var e = Assert.Throws<DataFormatException>(() => ImageFolderSplits.Open(_temp.File("set"), Small));

        Assert.Equal(_temp.File("set/test"), e.Path);
        Assert.Contains("is a symbolic link to a folder, which Tailor does not follow inside an image folder", e.Message);
    }

    private static int[] FirstPixels(Tailor.Tensors.Tensor images) =>
        [.. Enumerable.Range(0, images.Dim(0)).Select(i => (int)MathF.Round(images.Span[i * images.ItemLength] * 255))];
}
