using Tailor.Common;
using SkiaSharp;

namespace Tailor.Visualization;

/// <summary>
/// The one way PNG images leave this library: encoded from a Skia surface, and saved atomically.
/// Every renderer returns the PNG bytes, so a caller can embed them in a report and save them too.
/// </summary>
public static class PngFile
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Writes <paramref name="png"/> to <paramref name="path"/> atomically and returns the same bytes.</summary>
    public static byte[] Save(byte[] png, string path)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (!IsPng(png))
            throw new ArgumentException($"Refusing to write '{path}': the {png.Length} bytes given do not start with the PNG signature.", nameof(png));
        AtomicFile.WriteAllBytes(path, png);
        return png;
    }

    /// <summary>Whether the bytes start with the eight-byte PNG signature.</summary>
    public static bool IsPng(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Signature);

    internal static byte[] Encode(SKSurface surface)
    {
        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
