using Tailor.Kernels;
using Tailor.Threading;

namespace Tailor.Tests.Kernels;

/// <summary>SingleChannelConvolution against im2col + Gemm + GradientRows (each checked against its scalar reference): the same bits.</summary>
[Collection(GlobalSwitches.Name)]
public class SingleChannelConvolutionTests
{
    public static TheoryData<int, int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int>();
        // (batch, height, width, filters): one k chunk and several, a last block and chunk cut short, odd images.
        foreach (var (batch, h, w, f) in new[] { (1, 5, 5, 32), (3, 9, 13, 64), (7, 28, 28, 32), (64, 28, 28, 32), (13, 17, 30, 32), (100, 28, 28, 64) })
            data.Add(batch, h, w, f);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void Forward_and_backward_give_the_bits_of_the_lowered_product(int batch, int height, int width, int filters)
    {
        Skip.IfNot(KernelIsa.Active == Isa.Avx512, $"SingleChannelConvolution's kernels need AVX-512; the active path is {KernelIsa.Active}.");
        var g = ConvGeometry.Create(height, width, 1, 3, 3, 1, 1, Padding.Valid);
        Assert.True(SingleChannelConvolution.Supports(g, filters));
        int saved = WorkerPool.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            foreach (bool relu in new[] { true, false })
            foreach (bool withBias in new[] { true, false })
            {
                WorkerPool.Threads = threads;
                var rng = new Random(batch * 1000 + height * 10 + filters + (relu ? 1 : 0) + (withBias ? 2 : 0));
                var x = Values(rng, batch * g.InputLength, zeros: 0.4);
                var kernel = Values(rng, 9 * filters, 0);
                var bias = withBias ? Values(rng, filters, 0) : [];
                int rows = batch * g.OutputPositions;

                var cols = new float[rows * 9];
                for (int i = 0; i < batch; i++)
                    Im2Col.Expand(g, x.AsSpan(i * g.InputLength, g.InputLength), cols.AsSpan(i * g.OutputPositions * 9, g.OutputPositions * 9));
                var expectedZ = new float[rows * filters];
                Gemm.Multiply(false, false, rows, filters, 9, cols, 9, kernel, filters, expectedZ, filters, false, bias, relu);
                var direct = new SingleChannelConvolution();
                var z = Enumerable.Repeat(float.NaN, rows * filters).ToArray();
                direct.Forward(g, batch, x, kernel, bias, filters, relu, z);
                Assert.Equal(Bits(expectedZ), Bits(z));

                var dy = Values(rng, rows * filters, zeros: 0.5);
                var dz = new float[rows * filters];
                var expectedBias = withBias ? new float[filters] : [];
                GradientRows.MaskAndSum(expectedZ, dy, dz, expectedBias, filters, relu);
                var expectedKernel = new float[9 * filters];
                Gemm.Multiply(true, false, 9, filters, rows, cols, 9, dz, filters, expectedKernel, filters);
                var kernelGradient = Enumerable.Repeat(float.NaN, 9 * filters).ToArray();
                var biasGradient = withBias ? Enumerable.Repeat(float.NaN, filters).ToArray() : [];
                direct.Backward(g, batch, x, z, dy, filters, relu, kernelGradient, biasGradient);
                Assert.Equal(Bits(expectedKernel), Bits(kernelGradient));
                Assert.Equal(Bits(expectedBias), Bits(biasGradient));

                // And near the convolution written out in double, as the scalar reference of the lowered path
                // (once per case: the bits above are the same on both thread counts).
                if (threads != 1) continue;
                var referenceKernel = new double[9 * filters];
                for (int image = 0, p = 0; image < batch; image++)
                for (int oh = 0; oh < g.OutHeight; oh++)
                for (int ow = 0; ow < g.OutWidth; ow++, p++)
                for (int f = 0; f < filters; f++)
                {
                    double sum = withBias ? bias[f] : 0;
                    for (int t = 0; t < 9; t++) sum += (double)x[image * g.InputLength + (oh + t / 3) * width + ow + t % 3] * kernel[t * filters + f];
                    if (relu) sum = Math.Max(sum, 0);
                    Assert.True(Math.Abs(sum - z[p * filters + f]) <= 1e-5 * (1 + Math.Abs(sum)), $"z[{p}, {f}] = {z[p * filters + f]}, reference {sum}");
                    float g0 = dy[p * filters + f];
                    if (relu && !(z[p * filters + f] > 0)) g0 = 0;
                    for (int t = 0; t < 9; t++) referenceKernel[t * filters + f] += (double)x[image * g.InputLength + (oh + t / 3) * width + ow + t % 3] * g0;
                }
                for (int i = 0; i < referenceKernel.Length; i++)
                    Assert.True(Math.Abs(referenceKernel[i] - kernelGradient[i]) <= 1e-4 * (1 + Math.Abs(referenceKernel[i])), $"kernel gradient [{i}] = {kernelGradient[i]}, reference {referenceKernel[i]}");
            }
        }
        finally { WorkerPool.Threads = saved; }
    }

    public static TheoryData<int, int, int, int, int, int, Padding> PooledShapes()
    {
        var data = new TheoryData<int, int, int, int, int, int, Padding>();
        // (batch, height, width, filters, pool, stride, padding): the notebook's first layer, odd images, a window
        // larger than its stride, overlapping windows and same padding (a window cut by the edge). 2x2 windows with
        // stride 2 are pooled from two output rows in L1: odd outputs whose last row or column no window reads, pooled
        // rows of 4 + 2 and 4 + 4 + 1 windows, two filter groups.
        foreach (var shape in new[] { (64, 28, 28, 32, 2, 2, Padding.Valid), (1, 28, 28, 32, 2, 2, Padding.Valid), (7, 9, 13, 64, 3, 2, Padding.Valid),
                     (5, 12, 15, 64, 2, 2, Padding.Valid), (3, 11, 21, 32, 2, 2, Padding.Valid), (2, 4, 4, 32, 2, 2, Padding.Valid),
                     (5, 17, 30, 32, 2, 1, Padding.Valid), (3, 12, 11, 32, 3, 3, Padding.Same) })
            data.Add(shape.Item1, shape.Item2, shape.Item3, shape.Item4, shape.Item5, shape.Item6, shape.Item7);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(PooledShapes))]
    public void Forward_pooled_gives_the_bits_of_forward_then_max_pooling(int batch, int height, int width, int filters, int pool, int stride, Padding padding)
    {
        Skip.IfNot(KernelIsa.Active == Isa.Avx512, $"SingleChannelConvolution's kernels need AVX-512; the active path is {KernelIsa.Active}.");
        var g = ConvGeometry.Create(height, width, 1, 3, 3, 1, 1, Padding.Valid);
        var window = ConvGeometry.Create(g.OutHeight, g.OutWidth, filters, pool, pool, stride, stride, padding);
        int saved = WorkerPool.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            foreach (bool relu in new[] { true, false })
            {
                WorkerPool.Threads = threads;
                var rng = new Random(batch * 1000 + height * 10 + filters + pool + (relu ? 1 : 0));
                var x = Values(rng, batch * g.InputLength, zeros: 0.4);
                var kernel = Values(rng, 9 * filters, 0);
                var bias = Values(rng, filters, 0);
                var z = new float[batch * g.OutputPositions * filters];
                var convolution = new SingleChannelConvolution();
                convolution.Forward(g, batch, x, kernel, bias, filters, relu, z);
                int pooledLength = window.OutputPositions * filters;
                var expected = new float[batch * pooledLength];
                for (int i = 0; i < batch; i++)
                    PoolingKernels.MaxForward(window, z.AsSpan(i * g.OutputPositions * filters, g.OutputPositions * filters), expected.AsSpan(i * pooledLength, pooledLength));

                var pooled = Enumerable.Repeat(float.NaN, batch * pooledLength).ToArray();
                convolution.ForwardPooled(g, batch, x, kernel, bias, filters, relu, window, pooled);

                Assert.Equal(Bits(expected), Bits(pooled));
            }
        }
        finally { WorkerPool.Threads = saved; }
    }

    [SkippableFact]
    public void Forward_pooled_refuses_a_pooling_of_another_shape()
    {
        Skip.IfNot(KernelIsa.Active == Isa.Avx512, $"SingleChannelConvolution's kernels need AVX-512; the active path is {KernelIsa.Active}.");
        var g = ConvGeometry.Create(28, 28, 1, 3, 3, 1, 1, Padding.Valid);
        var window = ConvGeometry.Create(28, 28, 32, 2, 2, 2, 2, Padding.Valid);

        var error = Assert.Throws<ArgumentException>(() => new SingleChannelConvolution().ForwardPooled(g, 1, new float[784], new float[288], [], 32, true, window, new float[14 * 14 * 32]));

        Assert.Contains("needs a pooling of 26x26x32 images", error.Message);
    }

    [Fact]
    public void It_takes_only_valid_3x3_windows_with_stride_1_on_one_channel_with_AVX_512()
    {
        Assert.Equal(KernelIsa.Active == Isa.Avx512, SingleChannelConvolution.Supports(ConvGeometry.Create(28, 28, 1, 3, 3, 1, 1, Padding.Valid), 32));
        Assert.False(SingleChannelConvolution.Supports(ConvGeometry.Create(28, 28, 2, 3, 3, 1, 1, Padding.Valid), 32));
        Assert.False(SingleChannelConvolution.Supports(ConvGeometry.Create(28, 28, 1, 3, 3, 1, 1, Padding.Same), 32));
        Assert.False(SingleChannelConvolution.Supports(ConvGeometry.Create(28, 28, 1, 3, 3, 2, 2, Padding.Valid), 32));
        Assert.False(SingleChannelConvolution.Supports(ConvGeometry.Create(28, 28, 1, 5, 5, 1, 1, Padding.Valid), 32));
        Assert.False(SingleChannelConvolution.Supports(ConvGeometry.Create(28, 28, 1, 3, 3, 1, 1, Padding.Valid, 2, 2), 32));
        Assert.False(SingleChannelConvolution.Supports(ConvGeometry.Create(28, 28, 1, 3, 3, 1, 1, Padding.Valid), 16));
    }

    private static float[] Values(Random rng, int length, double zeros)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++) v[i] = rng.NextDouble() < zeros ? 0f : (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    [SkippableTheory]
    [InlineData(3, 9, 13, 32, 2, 2)]
    [InlineData(64, 28, 28, 32, 2, 2)]
    [InlineData(5, 28, 28, 64, 3, 3)]
    [InlineData(7, 17, 30, 32, 2, 3)]
    [InlineData(2, 11, 11, 32, 1, 1)]
    public void Pooled_forward_keeps_the_winners_and_backward_through_the_pooling_gives_the_bits_of_the_two_layers(int batch, int height, int width, int filters, int pool, int stride)
    {
        Skip.IfNot(KernelIsa.Active == Isa.Avx512, $"SingleChannelConvolution's kernels need AVX-512; the active path is {KernelIsa.Active}.");
        var g = ConvGeometry.Create(height, width, 1, 3, 3, 1, 1, Padding.Valid);
        var window = ConvGeometry.Create(g.OutHeight, g.OutWidth, filters, pool, pool, stride, stride, Padding.Valid);
        Assert.True(SingleChannelConvolution.RoutesEachCellOnce(g, window, filters));
        int saved = WorkerPool.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            foreach (bool relu in new[] { true, false })
            {
                WorkerPool.Threads = threads;
                var rng = new Random(batch * 100 + height + filters + pool + (relu ? 1 : 0));
                var x = Values(rng, batch * g.InputLength, zeros: 0.4);
                var kernel = Values(rng, 9 * filters, 0);
                var bias = Values(rng, filters, 0);
                int rows = batch * g.OutputPositions, outLength = g.OutputPositions * filters, pooledLength = window.OutputPositions * filters;
                var convolution = new SingleChannelConvolution();
                var z = new float[rows * filters];
                convolution.Forward(g, batch, x, kernel, bias, filters, relu, z);
                var pooled = new float[batch * pooledLength];
                var winners = new int[batch * pooledLength];
                for (int i = 0; i < batch; i++)
                    PoolingKernels.MaxForward(window, z.AsSpan(i * outLength, outLength), pooled.AsSpan(i * pooledLength, pooledLength), winners.AsSpan(i * pooledLength, pooledLength));
                var fusedPooled = new float[pooled.Length];
                var fusedWinners = new int[winners.Length];
                convolution.ForwardPooled(g, batch, x, kernel, bias, filters, relu, window, fusedPooled, fusedWinners);
                Assert.Equal(Bits(pooled), Bits(fusedPooled));
                Assert.Equal(winners, fusedWinners);
                var pooledGradient = Values(rng, batch * pooledLength, zeros: 0.2);
                pooledGradient[0] = -0f;

                var dy = new float[rows * filters];
                for (int i = 0; i < batch; i++)
                    PoolingKernels.MaxBackward(window, pooledGradient.AsSpan(i * pooledLength, pooledLength), winners.AsSpan(i * pooledLength, pooledLength), dy.AsSpan(i * outLength, outLength));
                var expectedKernel = new float[9 * filters];
                var expectedBias = new float[filters];
                convolution.Backward(g, batch, x, z, dy, filters, relu, expectedKernel, expectedBias);

                var kernelGradient = Enumerable.Repeat(float.NaN, 9 * filters).ToArray();
                var biasGradient = Enumerable.Repeat(float.NaN, filters).ToArray();
                convolution.BackwardThroughPool(g, batch, x, window, pooled, winners, pooledGradient, filters, relu, kernelGradient, biasGradient);
                Assert.Equal(Bits(expectedKernel), Bits(kernelGradient));
                Assert.Equal(Bits(expectedBias), Bits(biasGradient));
            }
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Fact]
    public void Overlapping_or_mismatched_poolings_are_not_routed_through()
    {
        var g = ConvGeometry.Create(28, 28, 1, 3, 3, 1, 1, Padding.Valid);
        Assert.False(SingleChannelConvolution.RoutesEachCellOnce(g, ConvGeometry.Create(26, 26, 32, 3, 3, 2, 2, Padding.Valid), 32));
        Assert.False(SingleChannelConvolution.RoutesEachCellOnce(g, ConvGeometry.Create(26, 26, 32, 2, 2, 1, 1, Padding.Valid), 32));
        Assert.False(SingleChannelConvolution.RoutesEachCellOnce(g, ConvGeometry.Create(26, 26, 32, 4, 4, 4, 4, Padding.Same), 32));
        Assert.False(SingleChannelConvolution.RoutesEachCellOnce(g, ConvGeometry.Create(26, 26, 16, 2, 2, 2, 2, Padding.Valid), 32));
        Assert.False(SingleChannelConvolution.RoutesEachCellOnce(g, ConvGeometry.Create(24, 26, 32, 2, 2, 2, 2, Padding.Valid), 32));
        Assert.True(SingleChannelConvolution.RoutesEachCellOnce(g, ConvGeometry.Create(26, 26, 32, 2, 2, 2, 2, Padding.Valid), 32));
    }
}
