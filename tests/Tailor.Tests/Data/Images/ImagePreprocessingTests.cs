using SkiaSharp;
using Tailor.Data.Images;

namespace Tailor.Tests.Data.Images;

public sealed class ImagePreprocessingTests
{
    private static RgbaImage Solid(int width, int height, Func<int, int, (byte R, byte G, byte B, byte A)> pixel)
    {
        var bytes = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (r, g, b, a) = pixel(x, y);
                int o = (y * width + x) * 4;
                (bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]) = (r, g, b, a);
            }
        return new RgbaImage(width, height, bytes);
    }

    [Fact]
    public void Luma_keeps_every_gray_exactly_and_weighs_colours_as_BT601()
    {
        for (int v = 0; v < 256; v++) Assert.Equal(v, ImagePreprocessing.Luma((byte)v, (byte)v, (byte)v));
        Assert.Equal(76, ImagePreprocessing.Luma(255, 0, 0));
        Assert.Equal(150, ImagePreprocessing.Luma(0, 255, 0));
        Assert.Equal(29, ImagePreprocessing.Luma(0, 0, 255));
    }

    [Fact]
    public void An_image_of_the_target_size_is_not_resampled()
    {
        var rng = new Random(3);
        var image = Solid(7, 5, (_, _) => { byte v = (byte)rng.Next(256); return (v, v, v, 255); });

        Assert.Same(image, ImagePreprocessing.Resize(image, 7, 5, ImageFit.Crop));
    }

    [Fact]
    public void Pad_keeps_the_aspect_ratio_and_fills_the_rest_with_the_background()
    {
        // 40 x 20 white: fitted into 20 x 20 it becomes 20 x 10 in the middle rows, the rest background.
        var resized = ImagePreprocessing.Resize(Solid(40, 20, (_, _) => (255, 255, 255, 255)), 20, 20, ImageFit.Pad);
        var gray = new byte[400];
        ImagePreprocessing.ToChannels(resized, ColorMode.Grayscale, gray, background: 0);

        for (int y = 0; y < 20; y++) Assert.Equal(y is >= 5 and < 15 ? 255 : 0, gray[y * 20 + 10]);
    }

    [Fact]
    public void Crop_keeps_the_centre()
    {
        // Left quarter black, middle half white, right quarter black: the centre crop of 40 x 20 to 20 x 20 is all white.
        var image = Solid(40, 20, (x, _) => x is >= 10 and < 30 ? ((byte)255, (byte)255, (byte)255, (byte)255) : ((byte)0, (byte)0, (byte)0, (byte)255));
        var gray = new byte[400];
        ImagePreprocessing.ToChannels(ImagePreprocessing.Resize(image, 20, 20, ImageFit.Crop), ColorMode.Grayscale, gray);

        Assert.All(gray, v => Assert.Equal(255, v));
    }

    [Fact]
    public void Stretch_fills_the_whole_target()
    {
        var gray = new byte[100];
        ImagePreprocessing.ToChannels(ImagePreprocessing.Resize(Solid(40, 20, (_, _) => (200, 200, 200, 255)), 10, 10, ImageFit.Stretch), ColorMode.Grayscale, gray);

        Assert.All(gray, v => Assert.Equal(200, v));
    }

    [Fact]
    public void Shrinking_averages_the_area_instead_of_sampling_a_few_pixels()
    {
        // One-pixel stripes, 1 in 3 white: sampling would give 0 or 255, averaging about 85.
        var image = Solid(300, 300, (x, _) => x % 3 == 0 ? ((byte)255, (byte)255, (byte)255, (byte)255) : ((byte)0, (byte)0, (byte)0, (byte)255));
        var gray = new byte[28 * 28];
        ImagePreprocessing.ToChannels(ImagePreprocessing.Resize(image, 28, 28, ImageFit.Stretch), ColorMode.Grayscale, gray);

        Assert.All(gray, v => Assert.InRange(v, 60, 110));
    }

    [Fact]
    public void Transparent_pixels_take_the_background_and_rgb_keeps_the_channels()
    {
        // Premultiplied: half-transparent red (255, 0, 0, 128) is stored as (128, 0, 0, 128).
        var image = Solid(2, 1, (x, _) => x == 0 ? ((byte)128, (byte)0, (byte)0, (byte)128) : ((byte)0, (byte)0, (byte)0, (byte)0));
        var rgb = new byte[6];
        ImagePreprocessing.ToChannels(image, ColorMode.Rgb, rgb, background: 200);

        Assert.Equal(new byte[] { 128 + 100, 100, 100, 200, 200, 200 }, rgb);
    }
}
