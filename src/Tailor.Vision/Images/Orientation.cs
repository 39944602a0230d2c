using SkiaSharp;

namespace Tailor.Data.Images;

/// <summary>Turns a decoded image upright as its EXIF orientation says (phone photos are often stored sideways).</summary>
internal static class Orientation
{
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    public static RgbaImage Apply(RgbaImage image, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return image;
        int w = image.Width, h = image.Height;
        bool swap = SwapsAxes(origin);
        int outW = swap ? h : w, outH = swap ? w : h;
        var source = image.Pixels;
        var pixels = new byte[source.Length];
        for (int y = 0; y < outH; y++)
        {
            for (int x = 0; x < outW; x++)
            {
                // Where the displayed pixel (x, y) is stored; see the EXIF specification's orientation tag.
                (int sx, int sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                    SKEncodedOrigin.LeftBottom => (w - 1 - y, x),
                    _ => (x, y),
                };
                source.AsSpan((sy * w + sx) * 4, 4).CopyTo(pixels.AsSpan((y * outW + x) * 4, 4));
            }
        }
        return new RgbaImage(outW, outH, pixels);
    }
}
