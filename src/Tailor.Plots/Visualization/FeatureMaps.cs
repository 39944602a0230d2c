using SkiaSharp;
using Tailor.Common;
using Tailor.Tensors;

namespace Tailor.Visualization;

/// <summary>
/// The activations of one layer for one image, one viridis tile per channel, as in the Keras
/// "visualizing intermediate activations" notebook.
/// </summary>
public static class FeatureMaps
{
    public const int DefaultColumns = 16;
    public const int TargetTileSize = 72;
    private const float TitleSize = 16f;

    /// <summary>
    /// Renders an activation shaped (1, H, W, C) or (H, W, C): each channel is standardised on its
    /// own (value = (x - mean) / std * 64 + 128, clipped to [0, 255], as the notebook does) and
    /// coloured with viridis; channels that are constant carry no picture and are drawn at the dark
    /// end. The tiles fill <paramref name="columns"/> per row under a title of layer name and shape.
    /// Each value becomes a <paramref name="scale"/> x <paramref name="scale"/> block; by default the
    /// scale makes tiles about <see cref="TargetTileSize"/> pixels wide.
    /// </summary>
    public static byte[] Render(Tensor activation, string layerName, int columns = DefaultColumns, int? scale = null)
    {
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(layerName);
        Guard.Positive(columns);
        (int height, int width, int channels) = ActivationSize(activation);
        int pixelScale = scale ?? AutomaticScale(height, width);
        Guard.Positive(pixelScale, nameof(scale));

        string title = $"{layerName}  {activation.ShapeString}";
        int titleWidth = (int)MathF.Ceiling(SkiaDrawing.MeasureText(title, TitleSize, bold: true));
        var grid = new FeatureMapGrid(channels, height * pixelScale, width * pixelScale, Math.Min(columns, channels),
            TitleHeight: (int)(TitleSize * 2f), MinimumWidth: titleWidth);

        using SKSurface surface = SkiaDrawing.CreateSurface(grid.ImageWidth, grid.ImageHeight);
        SkiaDrawing.DrawText(surface.Canvas, title, FeatureMapGrid.Padding, FeatureMapGrid.Padding + TitleSize * 1.2f, TitleSize, bold: true);

        ReadOnlySpan<float> values = activation.Span;
        var levels = new byte[height * width];
        var rgba = new byte[height * width * 4];
        for (int c = 0; c < channels; c++)
        {
            Standardise(values, c, channels, levels);
            Colourise(levels, rgba);
            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
            using SKImage tile = SKImage.FromPixelCopy(info, rgba, width * 4);
            (int left, int top) = grid.TileOrigin(c);
            SkiaDrawing.DrawScaled(surface.Canvas, tile, left, top, pixelScale);
        }
        return PngFile.Encode(surface);
    }

    /// <summary>
    /// A whole-pixel scale that makes tiles about <see cref="TargetTileSize"/> pixels wide, so the
    /// pictures of successive layers (26x26, 11x11, 3x3, ...) come out at similar sizes.
    /// </summary>
    private static int AutomaticScale(int height, int width) =>
        Math.Max(1, (int)Math.Round((double)TargetTileSize / Math.Max(height, width)));

    /// <summary>Channel <paramref name="channel"/> of interleaved HWC values as levels 0..255.</summary>
    private static void Standardise(ReadOnlySpan<float> values, int channel, int channels, Span<byte> levels)
    {
        double sum = 0;
        for (int i = 0; i < levels.Length; i++)
            sum += values[i * channels + channel];
        double mean = sum / levels.Length;
        double squaredDeviations = 0;
        for (int i = 0; i < levels.Length; i++)
        {
            double deviation = values[i * channels + channel] - mean;
            squaredDeviations += deviation * deviation;
        }
        double std = Math.Sqrt(squaredDeviations / levels.Length);
        // Below this the channel is constant up to rounding; standardising would amplify noise.
        if (!(std > 1e-6 * Math.Max(1, Math.Abs(mean))))
        {
            levels.Clear();
            return;
        }
        for (int i = 0; i < levels.Length; i++)
        {
            double level = (values[i * channels + channel] - mean) / std * 64 + 128;
            levels[i] = (byte)Math.Clamp(Math.Round(level), 0, 255);
        }
    }

    private static void Colourise(ReadOnlySpan<byte> levels, Span<byte> rgba)
    {
        for (int i = 0; i < levels.Length; i++)
        {
            SKColor colour = Viridis.At(levels[i]);
            rgba[4 * i] = colour.Red;
            rgba[4 * i + 1] = colour.Green;
            rgba[4 * i + 2] = colour.Blue;
            rgba[4 * i + 3] = 255;
        }
    }

    private static (int Height, int Width, int Channels) ActivationSize(Tensor activation)
    {
        ReadOnlySpan<int> s = activation.Shape;
        if (s.Length == 3 && s[0] > 0 && s[1] > 0 && s[2] > 0) return (s[0], s[1], s[2]);
        if (s.Length == 4 && s[0] == 1 && s[1] > 0 && s[2] > 0 && s[3] > 0) return (s[1], s[2], s[3]);
        string hint = s.Length == 4 && s[0] > 1 ? " Take one image of the batch first, e.g. activation.Slice(i, 1)." : "";
        throw new ArgumentException(
            $"Expected the activation of one image shaped (1, H, W, C) or (H, W, C), received shape {activation.ShapeString}.{hint}", nameof(activation));
    }
}
