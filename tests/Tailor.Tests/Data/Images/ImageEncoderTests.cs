using Tailor.Data.Images;

namespace Tailor.Tests.Data.Images;

public sealed class ImageEncoderTests
{
    private static byte[] Rgb(int height, int width) =>
        [.. Enumerable.Range(0, height * width * 3).Select(i => (byte)(i * 37 % 251))];

    [Fact]
    public void Rgb_png_reads_back_pixel_for_pixel_and_says_colour()
    {
        byte[] pixels = Rgb(3, 5);
        string path = Path.Combine(Path.GetTempPath(), $"tailor-rgb-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, ImageEncoder.EncodeRgb(pixels, 3, 5, ImageFileFormat.Png));
        try
        {
            var image = ImageDecoder.Decode(path);
            var back = new byte[pixels.Length];
            ImagePreprocessing.ToChannels(image, ColorMode.Rgb, back);
            Assert.Equal(pixels, back);
            Assert.Equal(new ImageHeader(5, 3, Grayscale: false), ImageDecoder.ReadHeader(path));
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData(ImageFileFormat.Png)]
    [InlineData(ImageFileFormat.Jpeg)]
    [InlineData(ImageFileFormat.Webp)]
    public void Gray_files_say_so_in_their_header_in_every_format(ImageFileFormat format)
    {
        string path = Path.Combine(Path.GetTempPath(), $"tailor-gray-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, ImageEncoder.EncodeGray(new byte[12 * 8], 8, 12, format));
        try
        {
            var header = ImageDecoder.ReadHeader(path);
            Assert.Equal((12, 8), (header.Width, header.Height));
            // WebP has no gray storage: its gray images decode as colour, as Skia reports them.
            Assert.Equal(format != ImageFileFormat.Webp, header.Grayscale);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Lossy_rgb_formats_decode_close_to_their_pixels()
    {
        byte[] pixels = [.. Enumerable.Repeat<byte[]>([200, 40, 90], 16 * 16).SelectMany(p => p)];
        foreach (var format in new[] { ImageFileFormat.Jpeg, ImageFileFormat.Webp })
        {
            var image = ImageDecoder.Decode(ImageEncoder.EncodeRgb(pixels, 16, 16, format, quality: 95), "x");
            var back = new byte[pixels.Length];
            ImagePreprocessing.ToChannels(image, ColorMode.Rgb, back);
            for (int i = 0; i < back.Length; i++) Assert.InRange(back[i], pixels[i] - 8, pixels[i] + 8);
        }
    }

    [Fact]
    public void A_wrong_pixel_count_or_quality_is_refused()
    {
        Assert.Contains("needs 45 bytes", Assert.Throws<ArgumentException>(() => ImageEncoder.EncodeRgb(new byte[44], 3, 5, ImageFileFormat.Png)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageEncoder.EncodeRgb(new byte[45], 3, 5, ImageFileFormat.Jpeg, quality: 0));
    }
}
