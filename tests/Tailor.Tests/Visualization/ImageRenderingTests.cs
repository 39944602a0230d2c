using SkiaSharp;
using Tailor.Tensors;
using Tailor.Visualization;

namespace Tailor.Tests.Visualization;

public sealed class ImageRenderingTests
{
    private const int Pad = ImageRendering.Padding;

    /// <summary>A 28x28 image whose value grows left to right and, less, top to bottom: no two pixels of a row alike.</summary>
    private static float[] Ramp()
    {
        var pixels = new float[28 * 28];
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                pixels[y * 28 + x] = (x * 8 + y) / 255f;
        return pixels;
    }

    [Theory]
    [InlineData(new[] { 28, 28 })]
    [InlineData(new[] { 28, 28, 1 })]
    [InlineData(new[] { 1, 28, 28, 1 })]
    public void Image_EnlargesEachPixelIntoASquareBlockAboveTheCaption(int[] shape)
    {
        const int scale = 8;
        using SKBitmap bitmap = DecodedPng.Decode(ImageRendering.Image(Tensor.FromArray(Ramp(), shape), "Bag", scale));

        Assert.Equal(28 * scale + 2 * Pad, bitmap.Width);
        Assert.Equal(Pad + 28 * scale + ImageRendering.CaptionLine + Pad, bitmap.Height);
        float[] ramp = Ramp();
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
            {
                SKColor expected = DecodedPng.Gray(ramp[y * 28 + x]);
                Assert.Equal(expected, bitmap.GetPixel(Pad + x * scale, Pad + y * scale));
                Assert.Equal(expected, bitmap.GetPixel(Pad + x * scale + scale - 1, Pad + y * scale + scale - 1));
            }
    }

    [Fact]
    public void Image_DrawsTheCaptionUnderTheImage()
    {
        using SKBitmap withCaption = DecodedPng.Decode(ImageRendering.Image(Tensor.FromArray(Ramp(), 28, 28), "Ankle boot", 4));
        using SKBitmap withoutCaption = DecodedPng.Decode(ImageRendering.Image(Tensor.FromArray(Ramp(), 28, 28), "", 4));

        Assert.True(DarkPixelsBelow(withCaption, Pad + 28 * 4) > 20);
        Assert.Equal(0, DarkPixelsBelow(withoutCaption, Pad + 28 * 4));
    }

    [Fact]
    public void Image_WidensTheCanvasForACaptionWiderThanTheImage()
    {
        using SKBitmap bitmap = DecodedPng.Decode(ImageRendering.Image(Tensor.FromArray(Ramp(), 28, 28), "A caption far wider than the image", 1));

        Assert.True(bitmap.Width > 28 + 2 * Pad + 100);
    }

    [Fact]
    public void Image_RejectsABatch()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageRendering.Image(new Tensor(2, 28, 28, 1), "Two"));

        Assert.Contains("received shape (2, 28, 28, 1)", error.Message);
    }

    [Fact]
    public void Grid_PlacesImagesRowByRowWithTheRequestedColumns()
    {
        const int count = 12, columns = 5, scale = 2, side = 28 * scale;
        // Each image one flat shade, so a tile is identified by its colour.
        var values = new float[count * 28 * 28];
        for (int i = 0; i < count; i++)
            values.AsSpan(i * 784, 784).Fill(Shade(i));
        string[] captions = Enumerable.Range(0, count).Select(i => $"#{i}").ToArray();

        using SKBitmap bitmap = DecodedPng.Decode(ImageRendering.Grid(Tensor.FromArray(values, count, 28, 28, 1), captions, columns, scale, "Title"));

        int rows = 3;
        int cellHeight = side + ImageRendering.CaptionLine;
        Assert.Equal(columns * side + (columns - 1) * ImageRendering.Gap + 2 * Pad, bitmap.Width);
        Assert.Equal(Pad + ImageRendering.TitleLine + rows * cellHeight + (rows - 1) * ImageRendering.Gap + Pad, bitmap.Height);
        for (int cell = 0; cell < rows * columns; cell++)
        {
            int centerX = Pad + cell % columns * (side + ImageRendering.Gap) + side / 2;
            int centerY = Pad + ImageRendering.TitleLine + cell / columns * (cellHeight + ImageRendering.Gap) + side / 2;
            SKColor expected = cell < count ? DecodedPng.Gray(Shade(cell)) : SKColors.White;
            Assert.Equal(expected, bitmap.GetPixel(centerX, centerY));
        }
    }

    [Fact]
    public void Grid_DrawsColourImagesInTheirColours()
    {
        // Two 4x4 images, one flat colour each: (R, G, B) per pixel, channels last.
        float[][] colours = [[0.8f, 0.2f, 0.4f], [0.1f, 0.6f, 1f]];
        var values = new float[2 * 16 * 3];
        for (int i = 0; i < 2; i++)
            for (int p = 0; p < 16; p++) colours[i].CopyTo(values, (i * 16 + p) * 3);

        using SKBitmap bitmap = DecodedPng.Decode(ImageRendering.Grid(Tensor.FromArray(values, 2, 4, 4, 3), ["a", "b"], columns: 2, scale: 4));

        for (int i = 0; i < 2; i++)
        {
            var c = colours[i];
            var expected = new SKColor((byte)MathF.Round(c[0] * 255), (byte)MathF.Round(c[1] * 255), (byte)MathF.Round(c[2] * 255));
            Assert.Equal(expected, bitmap.GetPixel(Pad + i * (16 + ImageRendering.Gap) + 8, Pad + 8));
        }
        Assert.Throws<ArgumentException>(() => ImageRendering.Grid(new Tensor(2, 4, 4, 2), ["a", "b"], columns: 2));
    }

    [Fact]
    public void Grid_RequiresOneCaptionPerImage()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageRendering.Grid(new Tensor(3, 28, 28), ["a", "b"], columns: 3));

        Assert.Contains("expected length 3, received 2", error.Message);
    }

    private static float Shade(int i) => 0.05f + 0.06f * i;

    private static int DarkPixelsBelow(SKBitmap bitmap, int top)
    {
        int dark = 0;
        for (int y = top; y < bitmap.Height; y++)
            for (int x = 0; x < bitmap.Width; x++)
                if (bitmap.GetPixel(x, y).Red < 128) dark++;
        return dark;
    }
}
