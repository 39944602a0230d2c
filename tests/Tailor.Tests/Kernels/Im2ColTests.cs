using Tailor.Common;
using Tailor.Kernels;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Kernels;

public class Im2ColTests
{
    /// <summary>Kernel 1, 2, 3, 5 x stride 1, 2, 3 x valid/same x odd images x 1 or 3 channels, plus rectangular and even cases.</summary>
    public static TheoryData<int, int, int, int, int, int, int, Padding> Geometries()
    {
        var data = new TheoryData<int, int, int, int, int, int, int, Padding>();
        foreach (int k in new[] { 1, 2, 3, 5 })
        foreach (int s in new[] { 1, 2, 3 })
        foreach (var padding in new[] { Padding.Valid, Padding.Same })
        foreach (var (h, w, c) in new[] { (7, 5, 1), (9, 9, 3) })
            data.Add(h, w, c, k, k, s, s, padding);
        data.Add(8, 6, 2, 3, 2, 2, 1, Padding.Same);
        data.Add(4, 4, 4, 4, 4, 1, 3, Padding.Same);
        data.Add(28, 28, 1, 3, 3, 1, 1, Padding.Valid);
        data.Add(13, 13, 32, 3, 3, 1, 1, Padding.Valid);
        data.Add(7, 9, 19, 3, 2, 2, 1, Padding.Same);
        return data;
    }

    private static ConvGeometry Create(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding) =>
        ConvGeometry.Create(h, w, c, kh, kw, sh, sw, padding);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Geometry_matches_TensorFlows_output_size_and_padding(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        var g = Create(h, w, c, kh, kw, sh, sw, padding);
        Assert.Equal(LayerReference.Axis(h, kh, sh, padding), (g.OutHeight, g.PadTop));
        Assert.Equal(LayerReference.Axis(w, kw, sw, padding), (g.OutWidth, g.PadLeft));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Expand_writes_each_patch_in_kernel_row_column_channel_order_with_zeros_outside(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        var g = Create(h, w, c, kh, kw, sh, sw, padding);
        var image = RandomData.Uniform(new Rng(1), g.InputLength);
        var cols = new float[g.OutputPositions * g.PatchLength];
        Array.Fill(cols, float.NaN);
        Im2Col.Expand(g, image, cols);
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++)
        for (int i = 0; i < kh; i++)
        for (int j = 0; j < kw; j++)
        for (int ch = 0; ch < c; ch++)
        {
            int y = oh * sh + i - g.PadTop, x = ow * sw + j - g.PadLeft;
            float expected = y >= 0 && y < h && x >= 0 && x < w ? image[(y * w + x) * c + ch] : 0f;
            float actual = cols[(oh * g.OutWidth + ow) * g.PatchLength + (i * kw + j) * c + ch];
            Assert.True(expected.Equals(actual), $"patch ({oh}, {ow}) cell ({i}, {j}, {ch}): {actual}, expected {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Fold_is_the_adjoint_of_Expand(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        // <Expand(x), cols> == <x, Fold(cols)> for random x and cols.
        var g = Create(h, w, c, kh, kw, sh, sw, padding);
        var rng = new Rng(2);
        var x = RandomData.Uniform(rng, g.InputLength);
        var cols = RandomData.Uniform(rng, g.OutputPositions * g.PatchLength);
        var expanded = new float[cols.Length];
        Im2Col.Expand(g, x, expanded);
        var folded = RandomData.Uniform(rng, x.Length); // overwritten
        Im2Col.Fold(g, cols, folded);

        double left = 0, right = 0, magnitude = 0;
        for (int i = 0; i < cols.Length; i++) { left += (double)expanded[i] * cols[i]; magnitude += Math.Abs((double)expanded[i] * cols[i]); }
        for (int i = 0; i < x.Length; i++) right += (double)x[i] * folded[i];
        Assert.True(Math.Abs(left - right) <= 1e-5 * magnitude, $"<Expand(x), c> = {left}, <x, Fold(c)> = {right}");

        // And Fold itself, against a scatter-add in double.
        var expected = new double[x.Length];
        foreach (var (cell, value) in PatchValuesInside(g)) expected[cell] += cols[value];
        var comparison = Comparison.Of("Fold", folded, expected, 1e-5);
        Assert.True(comparison.Passed, comparison.ToString());
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Fold_adds_to_each_value_in_patch_row_order_to_the_bit(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        // The scatter in float, one value at a time, patch rows in order: what the training's bits were made with.
        var g = Create(h, w, c, kh, kw, sh, sw, padding);
        var cols = RandomData.Uniform(new Rng(4), g.OutputPositions * g.PatchLength);
        var expected = new float[g.InputLength];
        foreach (var (cell, value) in PatchValuesInside(g)) expected[cell] += cols[value];
        var folded = new float[g.InputLength];
        Im2Col.Fold(g, cols, folded);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), folded.Select(BitConverter.SingleToInt32Bits));
    }

    /// <summary>Each patch value that lies inside the image, in patch-row order: the image cell and the value's index in the patch rows.</summary>
    private static IEnumerable<(int Cell, int Value)> PatchValuesInside(ConvGeometry g)
    {
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++)
        for (int i = 0; i < g.KernelHeight; i++)
        for (int j = 0; j < g.KernelWidth; j++)
        for (int ch = 0; ch < g.Channels; ch++)
        {
            int y = oh * g.StrideHeight + i - g.PadTop, x = ow * g.StrideWidth + j - g.PadLeft;
            if (y >= 0 && y < g.Height && x >= 0 && x < g.Width)
                yield return ((y * g.Width + x) * g.Channels + ch, (oh * g.OutWidth + ow) * g.PatchLength + (i * g.KernelWidth + j) * g.Channels + ch);
        }
    }
}
