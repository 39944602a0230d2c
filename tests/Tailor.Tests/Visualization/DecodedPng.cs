using SkiaSharp;
using Tailor.Visualization;

namespace Tailor.Tests.Visualization;

/// <summary>Decodes PNG bytes with SkiaSharp for pixel-level assertions.</summary>
internal static class DecodedPng
{
    public static SKBitmap Decode(byte[] png)
    {
        Assert.True(PngFile.IsPng(png), "The bytes do not start with the PNG signature.");
        SKBitmap? bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        return bitmap;
    }

    public static int CountPixels(SKBitmap bitmap, SKColor colour)
    {
        int count = 0;
        for (int y = 0; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
                if (Same(bitmap.GetPixel(x, y), colour)) count++;
        return count;
    }

    public static bool Same(SKColor a, SKColor b) => a.Red == b.Red && a.Green == b.Green && a.Blue == b.Blue;

    public static SKColor Gray(float value) => new(SkiaDrawing.ToByte(value), SkiaDrawing.ToByte(value), SkiaDrawing.ToByte(value));
}
