using SkiaSharp;
using Tailor.Common;
using Tailor.Tensors;

namespace Tailor.Visualization;

/// <summary>
/// Grayscale images (values in [0, 1], 0 black, 1 white), or RGB ones in grids, enlarged with
/// nearest-neighbour sampling, with their captions drawn underneath, as PNG bytes.
/// </summary>
public static class ImageRendering
{
    internal const int Padding = 8;
    internal const int Gap = 10;
    internal const float CaptionSize = 14f;
    internal const float TitleSize = 16f;
    internal static int CaptionLine => (int)(CaptionSize * 1.6f);
    internal static int TitleLine => (int)(TitleSize * 2f);

    /// <summary>One image, shaped (H, W), (H, W, 1) or (1, H, W, 1), with its caption below.</summary>
    public static byte[] Image(Tensor image, string caption, int scale = 8)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(caption);
        Guard.Positive(scale);
        (int height, int width) = SingleImageSize(image);

        int imageWidth = width * scale;
        int captionWidth = (int)MathF.Ceiling(SkiaDrawing.MeasureText(caption, CaptionSize));
        int canvasWidth = Math.Max(imageWidth, captionWidth) + 2 * Padding;
        using SKSurface surface = SkiaDrawing.CreateSurface(canvasWidth, Padding + height * scale + CaptionLine + Padding);

        using SKImage pixels = SkiaDrawing.GrayImage(image.Span, height, width);
        SkiaDrawing.DrawScaled(surface.Canvas, pixels, (canvasWidth - imageWidth) / 2, Padding, scale);
        float baseline = Padding + height * scale + CaptionSize * 1.3f;
        SkiaDrawing.DrawCenteredText(surface.Canvas, caption, canvasWidth / 2f, baseline, canvasWidth - 2 * Padding, CaptionSize);
        return PngFile.Encode(surface);
    }

    /// <summary>
    /// A grid of images, shaped (N, H, W), (N, H, W, 1) or (N, H, W, 3) for colour, filled row by row, each with its caption
    /// under it; for one row per class, order the images class by class and pass the examples per
    /// class as <paramref name="columns"/>.
    /// </summary>
    public static byte[] Grid(Tensor images, IReadOnlyList<string> captions, int columns, int scale = 3, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(captions);
        Guard.Positive(columns);
        Guard.Positive(scale);
        (int count, int height, int width, int channels) = BatchSize(images);
        Guard.SameLength(count, captions.Count, $"Captions for a batch of {count} images of shape {images.ShapeString}");

        int rows = (count + columns - 1) / columns;
        int usedColumns = Math.Min(columns, count);
        int tileWidth = width * scale;
        int cellHeight = height * scale + CaptionLine;
        int titleLine = title is null ? 0 : TitleLine;
        int gridWidth = usedColumns * tileWidth + (usedColumns - 1) * Gap;
        int titleWidth = title is null ? 0 : (int)MathF.Ceiling(SkiaDrawing.MeasureText(title, TitleSize, bold: true));
        int canvasWidth = Math.Max(gridWidth, titleWidth) + 2 * Padding;
        int canvasHeight = Padding + titleLine + rows * cellHeight + (rows - 1) * Gap + Padding;
        using SKSurface surface = SkiaDrawing.CreateSurface(canvasWidth, canvasHeight);
        SKCanvas canvas = surface.Canvas;

        if (title is not null)
            SkiaDrawing.DrawCenteredText(canvas, title, canvasWidth / 2f, Padding + TitleSize * 1.2f, canvasWidth - 2 * Padding, TitleSize, bold: true);

        int gridLeft = (canvasWidth - gridWidth) / 2;
        int valuesPerImage = height * width * channels;
        for (int i = 0; i < count; i++)
        {
            int left = gridLeft + i % columns * (tileWidth + Gap);
            int top = Padding + titleLine + i / columns * (cellHeight + Gap);
            using SKImage pixels = SkiaDrawing.Image(images.Span.Slice(i * valuesPerImage, valuesPerImage), height, width, channels);
            SkiaDrawing.DrawScaled(canvas, pixels, left, top, scale);
            float baseline = top + height * scale + CaptionSize * 1.3f;
            SkiaDrawing.DrawCenteredText(canvas, captions[i], left + tileWidth / 2f, baseline, tileWidth + Gap - 2, CaptionSize);
        }
        return PngFile.Encode(surface);
    }

    private static (int Height, int Width) SingleImageSize(Tensor image)
    {
        ReadOnlySpan<int> s = image.Shape;
        if (s.Length == 2 && s[0] > 0 && s[1] > 0) return (s[0], s[1]);
        if (s.Length == 3 && s[2] == 1 && s[0] > 0 && s[1] > 0) return (s[0], s[1]);
        if (s.Length == 4 && s[0] == 1 && s[3] == 1 && s[1] > 0 && s[2] > 0) return (s[1], s[2]);
        throw new ArgumentException(
            $"Expected one grayscale image shaped (H, W), (H, W, 1) or (1, H, W, 1), received shape {image.ShapeString}.", nameof(image));
    }

    private static (int Count, int Height, int Width, int Channels) BatchSize(Tensor images)
    {
        ReadOnlySpan<int> s = images.Shape;
        bool sized = s.Length >= 3 && s[0] > 0 && s[1] > 0 && s[2] > 0;
        if (sized && s.Length == 3) return (s[0], s[1], s[2], 1);
        if (sized && s.Length == 4 && s[3] is 1 or 3) return (s[0], s[1], s[2], s[3]);
        throw new ArgumentException(
            $"Expected a batch of images shaped (N, H, W), (N, H, W, 1) or (N, H, W, 3), received shape {images.ShapeString}.", nameof(images));
    }
}
