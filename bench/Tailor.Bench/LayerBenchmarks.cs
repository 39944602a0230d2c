using BenchmarkDotNet.Attributes;
using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Pooling;
using Tailor.Losses;
using Tailor.Tensors;

namespace Tailor.Bench;

/// <summary>Forward and backward of the notebook's second convolution and its pooling, and the loss, at batch 1, 64 and 512.</summary>
[MemoryDiagnoser]
public class LayerBenchmarks
{
    [Params(1, 64, 512)] public int Batch { get; set; }

    private Conv2D _conv = null!;
    private MaxPooling2D _pool = null!;
    private Tensor _x = null!, _dy = null!, _poolX = null!, _poolDy = null!, _probabilities = null!, _targets = null!;
    private readonly CategoricalCrossentropy _loss = new();
    private float[] _lossGradient = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        _conv = new Conv2D(64, 3, activation: Activation.Relu) { Name = "conv2d_1" };
        _conv.Build([13, 13, 32], rng);
        _pool = new MaxPooling2D(2);
        _pool.Build([26, 26, 32], rng);
        _x = Random(rng, Batch, 13, 13, 32);
        _dy = Random(rng, Batch, 11, 11, 64);
        _poolX = Random(rng, Batch, 26, 26, 32);
        _poolDy = Random(rng, Batch, 13, 13, 32);
        _probabilities = Random(rng, Batch, 10);
        _targets = new Tensor(Batch, 10);
        for (int i = 0; i < Batch; i++) _targets.Span[i * 10 + i % 10] = 1;
        _lossGradient = new float[Batch * 10];
    }

    private static Tensor Random(Rng rng, params int[] shape)
    {
        var t = new Tensor(shape);
        for (int i = 0; i < t.Length; i++) t.Span[i] = rng.NextFloat();
        return t;
    }

    [Benchmark] public Tensor ConvForward() => _conv.Forward(_x, training: true);

    [Benchmark] public Tensor? ConvForwardBackward()
    {
        _conv.Forward(_x, training: true);
        return _conv.Backward(_dy);
    }

    [Benchmark] public Tensor? MaxPoolForwardBackward()
    {
        _pool.Forward(_poolX, training: true);
        return _pool.Backward(_poolDy);
    }

    [Benchmark] public float CrossEntropy() => _loss.Compute(_probabilities.Span, _targets.Span, Batch, 10, _lossGradient);
}
