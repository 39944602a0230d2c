using Tailor.Augmentation;
using Tailor.Common;
using Tailor.Tensors;

namespace Tailor.Visualization;

/// <summary>
/// What an augmentation pipeline does to real examples: one row per image, the original first, then
/// <c>variants</c> augmented copies, as a PNG grid. The originals are not changed.
/// </summary>
public static class AugmentationGrid
{
    public static byte[] Render(Tensor images, AugmentationPipeline pipeline, int variants = 7, ulong seed = 0, int scale = 3, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(pipeline);
        Guard.Positive(variants);
        if (images.Rank < 3 || images.Dim(0) == 0)
            throw new ArgumentException($"Expected a batch of images (N, H, W, 1), received shape {images.ShapeString}.", nameof(images));
        var size = AugmentationPipeline.ImageSizeOf(images.Shape[1..], "the preview");
        int count = images.Dim(0), columns = variants + 1, item = size.Length;
        var grid = new float[count * columns * item];
        var captions = new List<string>(count * columns);
        for (int i = 0; i < count; i++)
        {
            for (int v = 0; v < columns; v++)
            {
                images.Span.Slice(i * item, item).CopyTo(grid.AsSpan((i * columns + v) * item, item));
                captions.Add(v == 0 ? "original" : $"#{v}");
            }
        }
        // Each row draws its variants as one batch under its own key: the picture depends only on the seed.
        var rng = new Rng(seed);
        var row = new float[variants * item];
        for (int i = 0; i < count; i++)
        {
            grid.AsSpan((i * columns + 1) * item, variants * item).CopyTo(row);
            pipeline.Apply(row, variants, size, rng.NextULong());
            row.CopyTo(grid.AsSpan((i * columns + 1) * item, variants * item));
        }
        return ImageRendering.Grid(new Tensor(grid, count * columns, size.Height, size.Width, size.Channels), captions, columns, scale,
            title ?? $"Augmentation: {pipeline}");
    }
}
