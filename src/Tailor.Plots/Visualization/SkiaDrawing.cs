using SkiaSharp;

namespace Tailor.Visualization;

/// <summary>Drawing steps shared by the Skia renderers: a white canvas, pixel blocks, fitted text.</summary>
internal static class SkiaDrawing
{
    public static readonly SKColor Background = SKColors.White;
    public static readonly SKColor TextColor = new(0x22, 0x22, 0x22);

    private static readonly SKSamplingOptions NearestNeighbour = new(SKFilterMode.Nearest, SKMipmapMode.None);

    public static SKSurface CreateSurface(int width, int height)
    {
        var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"Skia could not create a {width}x{height} surface.");
        surface.Canvas.Clear(Background);
        return surface;
    }

    /// <summary>Draws a small image enlarged by whole pixels, without smoothing, so each value stays a crisp block.</summary>
    public static void DrawScaled(SKCanvas canvas, SKImage image, int left, int top, int scale)
    {
        var destination = SKRect.Create(left, top, image.Width * scale, image.Height * scale);
        canvas.DrawImage(image, destination, NearestNeighbour);
    }

    public static SKImage GrayImage(ReadOnlySpan<float> values, int height, int width)
    {
        var pixels = new byte[height * width];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = ToByte(values[i]);
        var info = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        return SKImage.FromPixelCopy(info, pixels, width);
    }

    /// <summary>An image of <paramref name="channels"/> 1 (gray) or 3 (R, G, B) values per pixel in [0, 1].</summary>
    public static SKImage Image(ReadOnlySpan<float> values, int height, int width, int channels)
    {
        if (channels == 1) return GrayImage(values, height, width);
        var pixels = new byte[4 * height * width];
        for (int i = 0; i < height * width; i++)
        {
            for (int c = 0; c < 3; c++) pixels[4 * i + c] = ToByte(values[3 * i + c]);
            pixels[4 * i + 3] = 255;
        }
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        return SKImage.FromPixelCopy(info, pixels, 4 * width);
    }

    /// <summary>Maps [0, 1] to [0, 255], clipping values outside and treating NaN as 0.</summary>
    public static byte ToByte(float value) =>
        value >= 1f ? (byte)255 : value > 0f ? (byte)MathF.Round(value * 255f) : (byte)0;

    /// <summary>Draws one line of text centred on <paramref name="centerX"/>, shrunk to fit <paramref name="maxWidth"/>.</summary>
    public static void DrawCenteredText(SKCanvas canvas, string text, float centerX, float baseline, float maxWidth, float size, bool bold = false)
    {
        using SKFont font = FittedFont(text, maxWidth, size, bold);
        using var paint = new SKPaint { Color = TextColor, IsAntialias = true };
        canvas.DrawText(text, centerX, baseline, SKTextAlign.Center, font, paint);
    }

    /// <summary>Draws one line of text starting at <paramref name="left"/>.</summary>
    public static void DrawText(SKCanvas canvas, string text, float left, float baseline, float size, bool bold = false)
    {
        using SKFont font = CreateFont(size, bold);
        using var paint = new SKPaint { Color = TextColor, IsAntialias = true };
        canvas.DrawText(text, left, baseline, SKTextAlign.Left, font, paint);
    }

    public static float MeasureText(string text, float size, bool bold = false)
    {
        using SKFont font = CreateFont(size, bold);
        return font.MeasureText(text);
    }

    private static SKFont FittedFont(string text, float maxWidth, float size, bool bold)
    {
        SKFont font = CreateFont(size, bold);
        float width = font.MeasureText(text);
        if (width > maxWidth && width > 0)
            font.Size = size * maxWidth / width;
        return font;
    }

    private static SKFont CreateFont(float size, bool bold) =>
        new(bold ? Typefaces.SansBold : Typefaces.Sans, size) { Subpixel = true, Edging = SKFontEdging.Antialias };
}
