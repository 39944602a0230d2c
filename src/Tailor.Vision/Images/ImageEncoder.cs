using System.Runtime.InteropServices;
using SkiaSharp;
using Tailor.Common;

namespace Tailor.Data.Images;

/// <summary>
/// Encodes 8-bit grayscale or RGB pixels as PNG (lossless: they read back exactly), JPEG or WebP, through SkiaSharp.
/// </summary>
public static class ImageEncoder
{
    public static byte[] EncodeGray(ReadOnlySpan<byte> pixels, int height, int width, ImageFileFormat format, int quality = 95)
    {
        Check(pixels, height, width, 1, "grayscale");
        return Encode(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque), pixels.ToArray(), width, format, quality, "grayscale");
    }

    /// <summary>Encodes R, G, B bytes per pixel, row-major.</summary>
    public static byte[] EncodeRgb(ReadOnlySpan<byte> pixels, int height, int width, ImageFileFormat format, int quality = 95)
    {
        Check(pixels, height, width, 3, "RGB");
        // Skia has no packed 24-bit colour type: widen to opaque RGBA.
        var rgba = new byte[4 * height * width];
        for (int i = 0, n = height * width; i < n; i++)
        {
            rgba[4 * i] = pixels[3 * i];
            rgba[4 * i + 1] = pixels[3 * i + 1];
            rgba[4 * i + 2] = pixels[3 * i + 2];
            rgba[4 * i + 3] = 255;
        }
        return Encode(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba, 4 * width, format, quality, "RGB");
    }

    private static void Check(ReadOnlySpan<byte> pixels, int height, int width, int channels, string kind)
    {
        Guard.Positive(height);
        Guard.Positive(width);
        if (pixels.Length != height * width * channels)
            throw new ArgumentException($"A {height} x {width} {kind} image needs {height * width * channels} bytes, received {pixels.Length}.", nameof(pixels));
    }

    private static byte[] Encode(SKImageInfo info, byte[] pixels, int rowBytes, ImageFileFormat format, int quality, string kind)
    {
        if (quality is < 1 or > 100)
            throw new ArgumentOutOfRangeException(nameof(quality), $"Received an invalid value for `quality`, expected 1 to 100. Received: quality={quality}");
        var encoded = format switch
        {
            ImageFileFormat.Png => SKEncodedImageFormat.Png,
            ImageFileFormat.Jpeg => SKEncodedImageFormat.Jpeg,
            ImageFileFormat.Webp => SKEncodedImageFormat.Webp,
            _ => throw new ArgumentOutOfRangeException(nameof(format), $"Unknown image format {format}; expected Png, Jpeg or Webp."),
        };
        var handle = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(info, handle.AddrOfPinnedObject(), rowBytes);
            using var data = pixmap.Encode(encoded, quality)
                ?? throw new InvalidOperationException($"SkiaSharp could not encode a {info.Width} x {info.Height} {kind} image as {format}.");
            return data.ToArray();
        }
        finally { handle.Free(); }
    }

    /// <summary>Writes the pixels as a grayscale PNG, atomically.</summary>
    public static void SaveGrayPng(ReadOnlySpan<byte> pixels, int height, int width, string path) =>
        AtomicFile.WriteAllBytes(path, EncodeGray(pixels, height, width, ImageFileFormat.Png));
}
