using System.Runtime.InteropServices;
using SkiaSharp;
using Tailor.Common;

namespace Tailor.Data.Images;

/// <summary>Encodes 8-bit grayscale pixels as PNG (lossless: they read back exactly) or JPEG, through SkiaSharp.</summary>
public static class ImageEncoder
{
    public static byte[] EncodeGray(ReadOnlySpan<byte> pixels, int height, int width, ImageFileFormat format, int quality = 95)
    {
        Guard.Positive(height);
        Guard.Positive(width);
        if (pixels.Length != height * width)
            throw new ArgumentException($"A {height} x {width} grayscale image needs {height * width} bytes, received {pixels.Length}.", nameof(pixels));
        var info = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        var copy = pixels.ToArray();
        var handle = GCHandle.Alloc(copy, GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(info, handle.AddrOfPinnedObject(), width);
            using var data = pixmap.Encode(format == ImageFileFormat.Png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, quality)
                ?? throw new InvalidOperationException($"SkiaSharp could not encode a {width} x {height} grayscale image as {format}.");
            return data.ToArray();
        }
        finally { handle.Free(); }
    }

    /// <summary>Writes the pixels as a grayscale PNG, atomically.</summary>
    public static void SaveGrayPng(ReadOnlySpan<byte> pixels, int height, int width, string path) =>
        AtomicFile.WriteAllBytes(path, EncodeGray(pixels, height, width, ImageFileFormat.Png));
}
