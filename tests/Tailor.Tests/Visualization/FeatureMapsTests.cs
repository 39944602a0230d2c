using SkiaSharp;
using Tailor.Tensors;
using Tailor.Visualization;

namespace Tailor.Tests.Visualization;

public sealed class FeatureMapsTests
{
    [Theory]
    [InlineData(26, 26, 32, 16, 4)]
    [InlineData(11, 11, 64, 16, 2)]
    [InlineData(13, 13, 20, 16, 3)]
    [InlineData(5, 7, 5, 16, 4)]
    [InlineData(3, 3, 10, 4, 6)]
    public void Render_DrawsOneTilePerChannelInTheRequestedColumns(int height, int width, int channels, int columns, int scale)
    {
        Tensor activation = Patterned(height, width, channels);

        using SKBitmap bitmap = DecodedPng.Decode(FeatureMaps.Render(activation, "conv2d", columns, scale));

        List<SKRectI> tiles = ColouredRegions(bitmap);
        Assert.Equal(channels, tiles.Count);
        Assert.All(tiles, tile => Assert.Equal((width * scale, height * scale), (tile.Width, tile.Height)));
        int expectedColumns = Math.Min(columns, channels);
        int expectedRows = (channels + columns - 1) / columns;
        Assert.Equal(expectedColumns, tiles.Select(t => t.Left).Distinct().Count());
        Assert.Equal(expectedRows, tiles.Select(t => t.Top).Distinct().Count());
        // Filled row by row: the first row is full.
        Assert.Equal(expectedColumns, tiles.Count(t => t.Top == tiles.Min(u => u.Top)));
    }

    [Theory]
    [InlineData(26, 26)]
    [InlineData(13, 13)]
    [InlineData(11, 11)]
    [InlineData(5, 7)]
    [InlineData(3, 3)]
    public void Render_ByDefault_ScalesLayersOfAnySizeToSimilarTiles(int height, int width)
    {
        using SKBitmap bitmap = DecodedPng.Decode(FeatureMaps.Render(Patterned(height, width, 4), "layer"));

        foreach (SKRectI tile in ColouredRegions(bitmap))
        {
            Assert.Equal(0, tile.Width % width);
            Assert.Equal(tile.Width / width, tile.Height / height);
            Assert.InRange(Math.Max(tile.Width, tile.Height), 0.75 * FeatureMaps.TargetTileSize, 1.25 * FeatureMaps.TargetTileSize);
        }
    }

    [Fact]
    public void Render_AcceptsHwcWithoutTheBatchDimension()
    {
        using SKBitmap bitmap = DecodedPng.Decode(FeatureMaps.Render(Patterned(6, 6, 3).Reshape(6, 6, 3), "pool"));

        Assert.Equal(3, ColouredRegions(bitmap).Count);
    }

    [Fact]
    public void Render_StandardisesEachChannelOnItsOwn()
    {
        // Channel 0: half -1, half +1 (mean 0, std 1); channel 1: the same times 1000 plus 5000,
        // which standardises to the same picture; channel 2: constant.
        const int side = 4;
        var values = new float[side * side * 3];
        for (int i = 0; i < side * side; i++)
        {
            float sign = i < side * side / 2 ? -1f : 1f;
            values[i * 3] = sign;
            values[i * 3 + 1] = 5000f + 1000f * sign;
            values[i * 3 + 2] = 7f;
        }

        using SKBitmap bitmap = DecodedPng.Decode(FeatureMaps.Render(Tensor.FromArray(values, 1, side, side, 3), "dense", columns: 3, scale: 1));

        List<SKRectI> tiles = ColouredRegions(bitmap).OrderBy(t => t.Left).ToList();
        // (x - mean) / std * 64 + 128 gives 64 for -1 and 192 for +1.
        foreach (SKRectI tile in tiles.Take(2))
        {
            Assert.Equal(Viridis.At(64), bitmap.GetPixel(tile.Left, tile.Top));
            Assert.Equal(Viridis.At(192), bitmap.GetPixel(tile.Left, tile.Bottom - 1));
        }
        Assert.Equal(Viridis.At(0), bitmap.GetPixel(tiles[2].Left, tiles[2].Top));
        Assert.Equal(Viridis.At(0), bitmap.GetPixel(tiles[2].Right - 1, tiles[2].Bottom - 1));
    }

    [Fact]
    public void Render_DrawsTheTitleAboveTheTiles()
    {
        using SKBitmap bitmap = DecodedPng.Decode(FeatureMaps.Render(Patterned(8, 8, 4), "conv2d_1"));

        int top = ColouredRegions(bitmap).Min(t => t.Top);
        int darkAbove = 0;
        for (int y = 0; y < top; y++)
            for (int x = 0; x < bitmap.Width; x++)
                if (bitmap.GetPixel(x, y).Red < 100) darkAbove++;
        Assert.True(darkAbove > 50, $"{darkAbove} dark title pixels above the tiles");
    }

    [Fact]
    public void Render_RejectsABatchOfSeveralImages()
    {
        var error = Assert.Throws<ArgumentException>(() => FeatureMaps.Render(new Tensor(2, 5, 5, 3), "conv"));

        Assert.Contains("received shape (2, 5, 5, 3)", error.Message);
        Assert.Contains("Slice", error.Message);
    }

    /// <summary>Activations with a gradient per channel, so no tile is constant.</summary>
    private static Tensor Patterned(int height, int width, int channels)
    {
        var values = new float[height * width * channels];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < channels; c++)
                    values[(y * width + x) * channels + c] = MathF.Sin(x * (c + 1) * 0.7f) + y * 0.1f + c;
        return Tensor.FromArray(values, 1, height, width, channels);
    }

    /// <summary>
    /// Bounding boxes of the 4-connected regions of coloured pixels. Background and text are grey
    /// (red = green = blue); no viridis colour is, so each region is one tile.
    /// </summary>
    private static List<SKRectI> ColouredRegions(SKBitmap bitmap)
    {
        int w = bitmap.Width, h = bitmap.Height;
        var coloured = new bool[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                SKColor c = bitmap.GetPixel(x, y);
                coloured[y * w + x] = !(c.Red == c.Green && c.Green == c.Blue);
            }

        var regions = new List<SKRectI>();
        var stack = new Stack<int>();
        for (int start = 0; start < coloured.Length; start++)
        {
            if (!coloured[start]) continue;
            int left = int.MaxValue, top = int.MaxValue, right = -1, bottom = -1;
            coloured[start] = false;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop(), x = p % w, y = p / w;
                (left, top, right, bottom) = (Math.Min(left, x), Math.Min(top, y), Math.Max(right, x), Math.Max(bottom, y));
                foreach (int q in (int[])[x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1])
                    if (q >= 0 && coloured[q]) { coloured[q] = false; stack.Push(q); }
            }
            regions.Add(new SKRectI(left, top, right + 1, bottom + 1));
        }
        return regions;
    }
}
