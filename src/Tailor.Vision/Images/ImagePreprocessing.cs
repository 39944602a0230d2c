using SkiaSharp;

namespace Tailor.Data.Images;

/// <summary>The steps from a decoded image to model pixels: fit to a size, composite over a background, pick channels.</summary>
public static class ImagePreprocessing
{
    // Linear filtering between mipmap levels, so that a large photo shrunk to 28 pixels averages its
    // area instead of sampling a few pixels and aliasing.
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    public static int Channels(this ColorMode mode) => mode == ColorMode.Grayscale ? 1 : 3;

    /// <summary>
    /// <paramref name="image"/> at <paramref name="width"/> x <paramref name="height"/>, fitted as <paramref name="fit"/>
    /// says; areas it leaves uncovered (padding) are transparent. An image already at that size is
    /// returned as it is, never resampled, so its pixels stay exact.
    /// </summary>
    public static RgbaImage Resize(RgbaImage image, int width, int height, ImageFit fit)
    {
        ArgumentNullException.ThrowIfNull(image);
        Common.Guard.Positive(width);
        Common.Guard.Positive(height);
        if (image.Width == width && image.Height == height) return image;

        var (source, destination) = Rectangles(image.Width, image.Height, width, height, fit);
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var sourceImage = SKImage.FromPixelCopy(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Premul), image.Pixels);
        using var bitmap = new SKBitmap(info);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Transparent);
            canvas.DrawImage(sourceImage, source, destination, Sampling);
            canvas.Flush();
        }
        return new RgbaImage(width, height, bitmap.Bytes);
    }

    /// <summary>The part of the source drawn and where it lands in the target, for each fit.</summary>
    internal static (SKRect Source, SKRect Destination) Rectangles(int sourceWidth, int sourceHeight, int width, int height, ImageFit fit)
    {
        var whole = new SKRect(0, 0, sourceWidth, sourceHeight);
        var target = new SKRect(0, 0, width, height);
        double scaleX = (double)width / sourceWidth, scaleY = (double)height / sourceHeight;
        switch (fit)
        {
            case ImageFit.Stretch:
                return (whole, target);
            case ImageFit.Pad:
            {
                double scale = Math.Min(scaleX, scaleY);
                float w = (float)(sourceWidth * scale), h = (float)(sourceHeight * scale);
                float left = (width - w) / 2, top = (height - h) / 2;
                return (whole, new SKRect(left, top, left + w, top + h));
            }
            case ImageFit.Crop:
            {
                double scale = Math.Max(scaleX, scaleY);
                float w = (float)(width / scale), h = (float)(height / scale);
                float left = (sourceWidth - w) / 2, top = (sourceHeight - h) / 2;
                return (new SKRect(left, top, left + w, top + h), target);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(fit), $"Unknown fit {fit}; expected Stretch, Pad or Crop.");
        }
    }

    /// <summary>
    /// Writes the pixels of <paramref name="image"/> composited over an opaque gray
    /// <paramref name="background"/>, as one byte of luma per pixel (Grayscale) or three of R, G, B (Rgb).
    /// </summary>
    public static void ToChannels(RgbaImage image, ColorMode mode, Span<byte> destination, byte background = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        int channels = mode.Channels(), count = image.Width * image.Height;
        if (destination.Length != count * channels)
            throw new ArgumentException($"A {image.Width} x {image.Height} image with {channels} channel(s) needs {count * channels} bytes, the destination holds {destination.Length}.", nameof(destination));
        ReadOnlySpan<byte> rgba = image.Pixels;
        for (int i = 0; i < count; i++)
        {
            int a = rgba[4 * i + 3];
            byte r = Over(rgba[4 * i], a, background), g = Over(rgba[4 * i + 1], a, background), b = Over(rgba[4 * i + 2], a, background);
            if (channels == 1) destination[i] = Luma(r, g, b);
            else
            {
                destination[3 * i] = r;
                destination[3 * i + 1] = g;
                destination[3 * i + 2] = b;
            }
        }
    }

    /// <summary>
    /// ITU-R BT.601 luma, 0.299 R + 0.587 G + 0.114 B, rounded, as PIL's "L" mode. The integer weights sum
    /// to 1000, so a gray pixel (R = G = B) keeps its exact value: grayscale PNGs read back bit for bit.
    /// </summary>
    public static byte Luma(byte r, byte g, byte b) => (byte)((299 * r + 587 * g + 114 * b + 500) / 1000);

    /// <summary>A premultiplied channel over an opaque background: c + background * (1 - alpha), rounded.</summary>
    private static byte Over(byte premultiplied, int alpha, byte background) =>
        alpha == 255 ? premultiplied : (byte)Math.Min(255, premultiplied + (background * (255 - alpha) + 127) / 255);
}
