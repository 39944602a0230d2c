using SkiaSharp;
using Tailor.Data;
using Tailor.Data.Images;

namespace Tailor.Tests.Data.Images;

public sealed class ImageDecoderTests
{
    private static SKColor Pattern(int x, int y) => new((byte)(x * 40), (byte)(y * 50), (byte)(x * y * 7), 255);

    public static TheoryData<string> LosslessFormats => ["png", "webp", "bmp"];

    [Theory]
    [MemberData(nameof(LosslessFormats))]
    public void Lossless_formats_decode_to_the_exact_pixels(string format)
    {
        byte[] file = format switch
        {
            "png" => TestImages.Encode(5, 3, Pattern, SKEncodedImageFormat.Png),
            "webp" => TestImages.Encode(5, 3, Pattern, SKEncodedImageFormat.Webp),
            _ => TestImages.Bmp(5, 3, Pattern),
        };

        var image = ImageDecoder.Decode(file, "pattern." + format);

        Assert.Equal((5, 3), (image.Width, image.Height));
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 5; x++)
            {
                var c = Pattern(x, y);
                Assert.Equal(new[] { c.Red, c.Green, c.Blue, (byte)255 }, image.Pixels.AsSpan((y * 5 + x) * 4, 4).ToArray());
            }
    }

    [Fact]
    public void Jpeg_decodes_close_to_its_pixels()
    {
        var file = TestImages.Encode(16, 16, (x, y) => TestImages.Gray((byte)(x * 16)), SKEncodedImageFormat.Jpeg, quality: 95);

        var image = ImageDecoder.Decode(file, "ramp.jpg");

        for (int x = 0; x < 16; x++) Assert.InRange(image.Pixels[(8 * 16 + x) * 4], x * 16 - 6, x * 16 + 6);
    }

    [Fact]
    public void A_gif_gives_its_first_frame()
    {
        var file = TestImages.Gif(2, 2, [0, 1, 2, 3], [3, 3, 3, 3]);

        var image = ImageDecoder.Decode(file, "two-frames.gif");

        Assert.Equal(new byte[] { 0, 85, 170, 255 }, Enumerable.Range(0, 4).Select(i => image.Pixels[4 * i]).ToArray());
    }

    [Fact]
    public void Garbage_is_refused_with_the_file_name()
    {
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode("not an image at all"u8.ToArray(), "notes.png"));

        Assert.Equal("notes.png", e.Path);
        Assert.StartsWith("notes.png: is not an image", e.Message);
    }

    [Fact]
    public void A_truncated_file_is_refused_rather_than_filled_in()
    {
        var png = TestImages.Encode(32, 32, Pattern, SKEncodedImageFormat.Png);

        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(png[..(png.Length / 2)], "cut.png"));

        Assert.Contains("cut.png", e.Message);
    }

    [Theory]
    [MemberData(nameof(ImageBombs.Formats), MemberType = typeof(ImageBombs))]
    public void A_header_declaring_more_pixels_than_the_budget_is_refused_before_decoding(string format)
    {
        using var temp = new TempDirectory();
        byte[] bomb = ImageBombs.Of(format);
        string path = TestImages.Write(temp.File("bomb" + ImageBombs.Extension(format)), bomb);
        string size = format == "webp" ? "16384 x 16384" : "30000 x 30000";

        foreach (var refuse in new Action[] { () => ImageDecoder.Decode(bomb, path), () => ImageDecoder.Decode(path), () => ImageDecoder.ReadSize(path) })
        {
            var e = Assert.Throws<DataFormatException>(refuse);
            Assert.Equal(path, e.Path);
            Assert.Contains($"declares {size} pixels", e.Message);
            Assert.Contains("more than the limit of 50,000,000 per image", e.Message);
        }
        Assert.True(bomb.Length < 4096, $"The {format} bomb is {bomb.Length} bytes.");
    }

    [Fact]
    public void The_pixel_budget_is_the_callers_and_an_image_at_it_is_decoded()
    {
        byte[] png = TestImages.Encode(40, 30, Pattern, SKEncodedImageFormat.Png);

        var image = ImageDecoder.Decode(png, "a.png", maxPixels: 1200);
        Assert.Equal((40, 30), (image.Width, image.Height));
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(png, "a.png", maxPixels: 1199));
        Assert.Contains("declares 40 x 30 pixels (1,200), more than the limit of 1,199 per image", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageDecoder.Decode(png, "a.png", maxPixels: 0));
    }

    [Fact]
    public void A_folder_named_like_an_image_is_refused_as_not_a_regular_file()
    {
        using var temp = new TempDirectory();
        string folder = temp.Subfolder("photo.png");

        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode(folder));

        Assert.Equal($"{folder}: is a directory, not a regular file; an image must be a regular file.", e.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<DataFormatException>(() => ImageDecoder.Decode("/no/such/photo.jpg"));

        Assert.StartsWith("/no/such/photo.jpg: could not be read", e.Message);
    }
}
