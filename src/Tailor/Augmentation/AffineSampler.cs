using System.Runtime.CompilerServices;
namespace Tailor.Augmentation;

/// <summary>
/// Resamples an image through an affine map from output to input pixel coordinates with bilinear
/// interpolation: output (y, x) reads input (sy, sx) = (m10 x + m11 y + ty, m00 x + m01 y + tx)
/// (each row of the map gives one input coordinate). Taps outside the image follow the fill mode.
/// </summary>
internal static class AffineSampler
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sample(ReadOnlySpan<float> source, Span<float> destination, ImageSize size,
        double m00, double m01, double tx, double m10, double m11, double ty, FillMode fill, float fillValue)
    {
        int h = size.Height, w = size.Width, c = size.Channels;
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            double sx = m00 * x + m01 * y + tx, sy = m10 * x + m11 * y + ty;
            int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
            float fx = (float)(sx - x0), fy = (float)(sy - y0);
            int outBase = (y * w + x) * c;
            for (int ch = 0; ch < c; ch++)
            {
                float top = Lerp(Tap(source, size, y0, x0, ch, fill, fillValue), Tap(source, size, y0, x0 + 1, ch, fill, fillValue), fx);
                float bottom = Lerp(Tap(source, size, y0 + 1, x0, ch, fill, fillValue), Tap(source, size, y0 + 1, x0 + 1, ch, fill, fillValue), fx);
                destination[outBase + ch] = Lerp(top, bottom, fy);
            }
        }
    }

    // Exact at weight 0 and 1, so whole-pixel maps copy pixels unchanged.
    private static float Lerp(float a, float b, float t) => t == 0 ? a : t == 1 ? b : a + (b - a) * t;

    private static float Tap(ReadOnlySpan<float> source, ImageSize size, int y, int x, int channel, FillMode fill, float fillValue)
    {
        if ((uint)y >= (uint)size.Height || (uint)x >= (uint)size.Width)
        {
            if (fill == FillMode.Constant) return fillValue;
            y = Map(y, size.Height, fill);
            x = Map(x, size.Width, fill);
        }
        return source[(y * size.Width + x) * size.Channels + channel];
    }

    /// <summary>An index outside [0, n) brought inside by clamping (Nearest) or mirroring with the edge repeated (Reflect).</summary>
    internal static int Map(int i, int n, FillMode fill)
    {
        if (fill == FillMode.Nearest) return Math.Clamp(i, 0, n - 1);
        int period = 2 * n;
        int k = ((i % period) + period) % period;
        return k < n ? k : period - 1 - k;
    }
}
