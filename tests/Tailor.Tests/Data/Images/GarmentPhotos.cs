using SkiaSharp;

namespace Tailor.Tests.Data.Images;

/// <summary>Synthetic "photos" of a T-shirt-like shape, in any colours, size, alpha and format, drawn with SkiaSharp.</summary>
internal static class GarmentPhotos
{
    /// <summary>
    /// A <paramref name="width"/> x <paramref name="height"/> picture: a T-shirt silhouette (body and sleeves)
    /// filling the middle, in <paramref name="garment"/> over <paramref name="background"/> (which may be transparent).
    /// </summary>
    public static byte[] Draw(int width, int height, SKColor garment, SKColor background, SKEncodedImageFormat format, int quality = 95)
    {
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul))!;
        surface.Canvas.Clear(background);
        using var paint = new SKPaint { Color = garment, IsAntialias = true, Style = SKPaintStyle.Fill };
        surface.Canvas.DrawPath(Shirt(width, height), paint);
        using var image = surface.Snapshot();
        using var data = format == SKEncodedImageFormat.Webp
            ? image.Encode(SKEncodedImageFormat.Webp, 100)
            : image.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>The silhouette within the central 60% x 70% of the picture: its bounding box is known.</summary>
    public static SKRect Bounds(int width, int height) => new(width * 0.2f, height * 0.15f, width * 0.8f, height * 0.85f);

    private static SKPath Shirt(int width, int height)
    {
        var b = Bounds(width, height);
        float w = b.Width, h = b.Height;
        var path = new SKPath();
        path.MoveTo(b.Left + w * 0.30f, b.Top);
        path.LineTo(b.Left + w * 0.70f, b.Top);
        path.LineTo(b.Right, b.Top + h * 0.25f);        // right sleeve
        path.LineTo(b.Left + w * 0.85f, b.Top + h * 0.40f);
        path.LineTo(b.Left + w * 0.78f, b.Top + h * 0.32f);
        path.LineTo(b.Left + w * 0.78f, b.Bottom);
        path.LineTo(b.Left + w * 0.22f, b.Bottom);
        path.LineTo(b.Left + w * 0.22f, b.Top + h * 0.32f);
        path.LineTo(b.Left + w * 0.15f, b.Top + h * 0.40f);
        path.LineTo(b.Left, b.Top + h * 0.25f);          // left sleeve
        path.Close();
        return path;
    }
}
