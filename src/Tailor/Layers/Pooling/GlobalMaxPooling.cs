using Tailor.Graphs;
using Tailor.Kernels;

namespace Tailor.Layers.Pooling;

/// <summary>Channel-wise max over positions; the gradient goes to the first maximum.</summary>
public abstract class GlobalMaxPooling : GlobalPooling
{
    private int[] _argmax = [];

    private protected GlobalMaxPooling(int spatialAxes, string? name) : base(spatialAxes, name) { }

    protected override void PrepareForward(int batch)
    {
        if (_argmax.Length < batch * Channels) _argmax = new int[batch * Channels];
    }

    public override void DescribeInference(InferenceGraph graph) => DescribeReduction(graph, "ReduceMax");

    protected override void ForwardSample(int sample, ReadOnlySpan<float> input, Span<float> output) =>
        PoolingKernels.GlobalMaxForward(input, Channels, output, _argmax.AsSpan(sample * Channels, Channels));

    protected override void BackwardSample(int sample, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) =>
        PoolingKernels.MaxBackward(outputGradient, _argmax.AsSpan(sample * Channels, Channels), inputGradient);
}

/// <summary>Keras's GlobalMaxPooling1D: (steps, C) to (C).</summary>
public sealed class GlobalMaxPooling1D(string? name = null) : GlobalMaxPooling(1, name);

/// <summary>Keras's GlobalMaxPooling2D: (height, width, C) to (C).</summary>
public sealed class GlobalMaxPooling2D(string? name = null) : GlobalMaxPooling(2, name);
