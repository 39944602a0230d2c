using Tailor.Common;
using Tailor.Kernels;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Kernels;

public class PoolingKernelTests
{
    public static TheoryData<int, int, int, int, int, int, int, Padding> Geometries()
    {
        var data = Im2ColTests.Geometries();
        // Channels over a vector's width, with a remainder: the notebook's pools and a gapped stride.
        data.Add(26, 26, 32, 2, 2, 2, 2, Padding.Valid);
        data.Add(11, 11, 19, 2, 2, 2, 2, Padding.Valid);
        data.Add(7, 9, 17, 2, 2, 3, 3, Padding.Same);
        return data;
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Max_forward_argmax_and_backward_equal_the_reference(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        var g = ConvGeometry.Create(h, w, c, kh, kw, sh, sw, padding);
        var rng = new Rng(3);
        var image = RandomData.Uniform(rng, g.InputLength);
        for (int i = 0; i < image.Length; i += 7) image[i] = 0.25f; // ties: the first maximum wins
        int outLength = g.OutputPositions * c;
        var output = new float[outLength];
        var argmax = new int[outLength];
        PoolingKernels.MaxForward(g, image, output, argmax);

        var dy = RandomData.Uniform(rng, outLength);
        var expectedDx = new double[image.Length];
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++)
        for (int ch = 0; ch < c; ch++)
        {
            int best = -1;
            for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++)
            {
                int y = oh * sh + i - g.PadTop, x = ow * sw + j - g.PadLeft;
                if (y < 0 || y >= h || x < 0 || x >= w) continue;
                int at = (y * w + x) * c + ch;
                if (best < 0 || image[at] > image[best]) best = at;
            }
            int o = (oh * g.OutWidth + ow) * c + ch;
            Assert.Equal(image[best], output[o]);
            Assert.Equal(best, argmax[o]);
            expectedDx[best] += dy[o];
        }

        var dx = RandomData.Uniform(rng, image.Length); // overwritten
        PoolingKernels.MaxBackward(dy, argmax, dx);
        var comparison = Comparison.Of("MaxBackward", dx, expectedDx, 1e-6);
        Assert.True(comparison.Passed, comparison.ToString());

        // The one-pass write for windows that do not overlap: the scatter's bits, a -0 gradient arriving as +0 too.
        dy[0] = -0f;
        if (dy.Length > 3) dy[3] = float.NaN;
        PoolingKernels.MaxBackward(dy, argmax, dx);
        var byWindow = RandomData.Uniform(rng, image.Length); // overwritten
        PoolingKernels.MaxBackward(g, dy, argmax, byWindow);
        Assert.Equal(dx.Select(BitConverter.SingleToInt32Bits), byWindow.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Average_forward_and_backward_equal_the_reference(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        var g = ConvGeometry.Create(h, w, c, kh, kw, sh, sw, padding);
        var rng = new Rng(4);
        var image = RandomData.Uniform(rng, g.InputLength);
        var output = RandomData.Uniform(rng, g.OutputPositions * c); // overwritten
        PoolingKernels.AverageForward(g, image, output);
        var expected = LayerReference.AveragePooling2D(RandomData.ToDouble(image), 1, h, w, c, kh, kw, sh, sw, padding);
        var forward = Comparison.Of("AverageForward", output, expected.Values, 1e-6);
        Assert.True(forward.Passed, forward.ToString());

        // Backward is the transpose of forward, a linear map: dx[i] = sum over windows holding i of dy / count.
        var dy = RandomData.Uniform(rng, output.Length);
        var expectedDx = new double[image.Length];
        var unit = new double[image.Length];
        for (int i = 0; i < image.Length; i++)
        {
            unit[i] = 1;
            var column = LayerReference.AveragePooling2D(unit, 1, h, w, c, kh, kw, sh, sw, padding).Values;
            for (int o = 0; o < column.Length; o++) expectedDx[i] += column[o] * dy[o];
            unit[i] = 0;
        }
        var dx = RandomData.Uniform(rng, image.Length); // overwritten
        PoolingKernels.AverageBackward(g, dy, dx);
        var backward = Comparison.Of("AverageBackward", dx, expectedDx, 1e-6);
        Assert.True(backward.Passed, backward.ToString());
    }

    /// <summary>Inference max pooling gives the scalar reference's and the training kernel's maxima bit for bit (each ISA through Tailor.KernelCheck).</summary>
    [Fact]
    public void Inference_max_pooling_equals_the_scalar_reference_and_the_training_kernel()
    {
        var failures = PoolingSweep.Run();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    [Fact]
    public void Inference_max_pooling_refuses_buffers_too_small()
    {
        var g = ConvGeometry.Create(4, 4, 3, 2, 2, 2, 2, Padding.Valid);
        Assert.Throws<ArgumentException>(() => PoolingKernels.MaxForward(g, new float[g.InputLength - 1], new float[12]));
        Assert.Throws<ArgumentException>(() => PoolingKernels.MaxForward(g, new float[g.InputLength], new float[11]));
    }
}
