using BenchmarkDotNet.Attributes;
using Tailor.Kernels;

namespace Tailor.Bench;

/// <summary>
/// The first layers' special paths against the general ones they replace (same bits): the one-channel
/// 3x3 convolution against im2col + GEMM + ReLU mask and bias sums, and the zero-skipping products of a
/// dense layer on image-like input (about half zeros, mostly in the same places) against GEMM, at
/// batch 1, 64 and 512.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class FirstLayerBenchmarks
{
    [Params(1, 64, 512)] public int Batch { get; set; }

    private const int Filters = 32, Units = 128, Pixels = 784;
    private readonly ConvGeometry _g = ConvGeometry.Create(28, 28, 1, 3, 3, 1, 1, Padding.Valid);
    private readonly SingleChannelConvolution _direct = new();
    private readonly ZeroSkippingGemm _skipping = new();
    private float[] _images = [], _kernel = [], _bias = [], _cols = [], _z = [], _dy = [], _dz = [], _kernelGradient = [], _biasGradient = [];
    private float[] _weights = [], _denseOut = [], _denseDz = [], _weightGradient = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _images = ImageLike(rng, Batch);
        _kernel = Values(rng, 9 * Filters);
        _bias = Values(rng, Filters);
        int rows = Batch * _g.OutputPositions;
        _cols = new float[rows * 9];
        _z = new float[rows * Filters];
        _dy = Values(rng, rows * Filters);
        _dz = new float[rows * Filters];
        _kernelGradient = new float[9 * Filters];
        _biasGradient = new float[Filters];
        _weights = Values(rng, Pixels * Units);
        _denseOut = new float[Batch * Units];
        _denseDz = Values(rng, Batch * Units);
        _weightGradient = new float[Pixels * Units];
    }

    /// <summary>
    /// Zeros where Fashion-MNIST has them: an article (an ellipse of random size near the centre) on a
    /// black background, about half of the pixels, the same places in most images.
    /// </summary>
    private static float[] ImageLike(Random rng, int count)
    {
        var images = new float[count * Pixels];
        for (int i = 0; i < count; i++)
        {
            double ry = 9 + rng.NextDouble() * 5, rx = 6 + rng.NextDouble() * 6;
            for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
            {
                double dy = (y - 13.5) / ry, dx = (x - 13.5) / rx;
                if (dy * dy + dx * dx <= 1) images[i * Pixels + y * 28 + x] = (float)(0.05 + rng.NextDouble());
            }
        }
        return images;
    }

    private static float[] Values(Random rng, int length) => Enumerable.Range(0, length).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();

    [Benchmark(Baseline = true), BenchmarkCategory("conv1")]
    public void Conv1Lowered()
    {
        int rows = Batch * _g.OutputPositions;
        for (int i = 0; i < Batch; i++)
            Im2Col.Expand(_g, _images.AsSpan(i * Pixels, Pixels), _cols.AsSpan(i * _g.OutputPositions * 9, _g.OutputPositions * 9));
        Gemm.Multiply(false, false, rows, Filters, 9, _cols, 9, _kernel, Filters, _z, Filters, false, _bias, relu: true);
        GradientRows.MaskAndSum(_z, _dy, _dz, _biasGradient, Filters, relu: true);
        Gemm.Multiply(true, false, 9, Filters, rows, _cols, 9, _dz, Filters, _kernelGradient, Filters);
    }

    [Benchmark, BenchmarkCategory("conv1")]
    public void Conv1Direct()
    {
        _direct.Forward(_g, Batch, _images, _kernel, _bias, Filters, relu: true, _z);
        _direct.Backward(_g, Batch, _images, _z, _dy, Filters, relu: true, _kernelGradient, _biasGradient);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("dense1")]
    public void Dense1Gemm()
    {
        Gemm.Multiply(false, false, Batch, Units, Pixels, _images, Pixels, _weights, Units, _denseOut, Units, false, default, relu: true);
        Gemm.Multiply(true, false, Pixels, Units, Batch, _images, Pixels, _denseDz, Units, _weightGradient, Units);
    }

    [Benchmark, BenchmarkCategory("dense1")]
    public bool Dense1ZeroSkipping() =>
        _skipping.TryForward(_images, Batch, Pixels, _weights, Units, _denseOut, default, relu: true)
        && _skipping.TryTransposedLeft(_images, Batch, Pixels, _denseDz, Units, _weightGradient);
}
