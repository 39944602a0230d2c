using SkiaSharp;
using Tailor.Data;
using Tailor.Data.Images;

namespace Tailor.Tests.Data.Images;

public sealed class PhotoPreprocessorTests(VendoredFashionMnistFixture fixture) : IClassFixture<VendoredFashionMnistFixture>, IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly PhotoPreprocessor _preprocessor = new();

    public void Dispose() => _temp.Dispose();

    private PreprocessedPhoto Process(byte[] file) => _preprocessor.Process(ImageDecoder.Decode(file, "photo"));

    private static byte[] Png(int w, int h, SKColor garment, SKColor background) =>
        GarmentPhotos.Draw(w, h, garment, background, SKEncodedImageFormat.Png);

    [Fact]
    public void A_light_garment_on_black_keeps_its_polarity_and_fills_the_square()
    {
        var photo = Process(Png(300, 200, SKColors.White, SKColors.Black));

        Assert.False(photo.Inverted);
        Assert.Equal(0, photo.Background);
        Assert.True(photo.FoundObject);
        // The silhouette is 180 x 140: its width spans the 28 columns, its height 28 * 140 / 180 = 21.8 rows, centred.
        var (left, top, right, bottom) = Extent(photo);
        Assert.Equal((0, 27), (left, right));
        Assert.InRange(top, 2, 4);
        Assert.InRange(bottom, 23, 25);
        Assert.Equal(255, photo.Pixels[14 * 28 + 14]);
    }

    [Fact]
    public void A_dark_garment_on_white_is_inverted_into_the_same_input()
    {
        var light = Process(Png(300, 200, SKColors.White, SKColors.Black));
        var dark = Process(Png(300, 200, SKColors.Black, SKColors.White));

        Assert.True(dark.Inverted);
        Assert.Equal(255, dark.Background);
        Assert.Equal(light.Pixels, dark.Pixels);
    }

    [Fact]
    public void An_off_white_background_is_removed_and_a_gray_garment_stretched_to_white()
    {
        var photo = Process(Png(120, 160, new SKColor(40, 40, 40), new SKColor(230, 230, 230)));

        Assert.True(photo.Inverted);
        Assert.Equal(230, photo.Background);
        Assert.Equal(0, photo.Pixels[0]);
        Assert.Equal(255, photo.Pixels[14 * 28 + 14]);
    }

    [Theory]
    [InlineData(20, true)]   // a dark cut-out goes over white, then is inverted
    [InlineData(220, false)] // a light cut-out goes over black
    public void A_transparent_background_is_replaced_by_the_colour_that_keeps_the_contrast(byte garment, bool inverted)
    {
        var reference = Process(Png(200, 200, SKColors.White, SKColors.Black));
        var photo = Process(Png(200, 200, TestImages.Gray(garment), SKColors.Transparent));

        Assert.Equal(inverted, photo.Inverted);
        Assert.Equal(0, photo.Pixels[0]);
        Assert.Equal(255, photo.Pixels[14 * 28 + 14]);
        // Same silhouette, same place; the antialiased edge may differ by a little.
        Assert.Equal(Extent(reference), Extent(photo));
    }

    [Fact]
    public void A_colour_jpeg_is_read_through_its_luma()
    {
        var photo = Process(GarmentPhotos.Draw(250, 250, new SKColor(200, 30, 30), new SKColor(245, 245, 240), SKEncodedImageFormat.Jpeg));

        Assert.True(photo.Inverted);
        Assert.InRange(photo.Pixels[14 * 28 + 14], 200, 255);
        Assert.InRange(photo.Pixels[0], 0, 10);
    }

    [Fact]
    public void A_blank_picture_gives_a_blank_input_and_says_no_object_was_found()
    {
        var photo = Process(TestImages.Encode(50, 40, (_, _) => TestImages.Gray(255), SKEncodedImageFormat.Png));

        Assert.False(photo.FoundObject);
        Assert.All(photo.Pixels, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Center_of_mass_with_a_margin_places_the_object_as_MNIST_did()
    {
        var mnist = new PhotoPreprocessor(new PhotoPreprocessorOptions { Margin = 4, Centering = PhotoCentering.CenterOfMass });
        var photo = mnist.Process(ImageDecoder.Decode(Png(300, 300, SKColors.White, SKColors.Black), "photo"));

        double mass = 0, mx = 0, my = 0;
        for (int i = 0; i < photo.Pixels.Length; i++) { mass += photo.Pixels[i]; mx += photo.Pixels[i] * (i % 28); my += photo.Pixels[i] * (i / 28); }
        Assert.InRange(mx / mass, 13, 14);
        Assert.InRange(my / mass, 13, 14);
        var (_, top, _, bottom) = Extent(photo);
        Assert.InRange(bottom - top + 1, 19, 21); // the silhouette is taller than wide: its height fills 20 of the 28 rows
    }

    [Fact]
    public void A_fashion_mnist_image_photographed_dark_on_white_comes_back_close_to_itself()
    {
        // Test image 0 enlarged 6 times, inverted, on a white page with wide margins: the recipe should undo all of it.
        var set = fixture.Dataset.Test;
        var original = set.Image(0).ToArray();
        var photo = TestImages.Encode(28 * 6 + 80, 28 * 6 + 50, (x, y) =>
        {
            int sx = (x - 40) / 6, sy = (y - 25) / 6;
            bool inside = x >= 40 && y >= 25 && sx < 28 && sy < 28;
            return TestImages.Gray((byte)(255 - (inside ? original[sy * 28 + sx] : 0)));
        }, SKEncodedImageFormat.Png);

        var result = Process(photo);

        double error = 0;
        for (int i = 0; i < 784; i++) error += Math.Abs(result.Pixels[i] - original[i]);
        Assert.InRange(error / 784 / 255, 0, 0.05);
    }

    [Fact]
    public void The_preview_png_holds_exactly_the_input()
    {
        var photo = Process(Png(90, 70, SKColors.Black, SKColors.White));
        string path = _temp.File("preview.png");

        photo.SavePng(path);

        var back = ImageDecoder.Decode(path);
        Assert.Equal((28, 28), (back.Width, back.Height));
        Assert.Equal(photo.Pixels, Enumerable.Range(0, 784).Select(i => back.Pixels[4 * i]));
    }

    /// <summary>First and last rows and columns holding a pixel of at least 128.</summary>
    private static (int Left, int Top, int Right, int Bottom) Extent(PreprocessedPhoto photo)
    {
        int left = 28, top = 28, right = -1, bottom = -1;
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                if (photo.Pixels[y * 28 + x] >= 128) { left = Math.Min(left, x); right = Math.Max(right, x); top = Math.Min(top, y); bottom = Math.Max(bottom, y); }
        return (left, top, right, bottom);
    }
}
