using Tailor.Graphs;
using Tailor.Kernels;

namespace Tailor.Layers.Pooling;

/// <summary>Channel-wise mean over positions; the gradient spreads evenly back.</summary>
public abstract class GlobalAveragePooling : GlobalPooling
{
    private protected GlobalAveragePooling(int spatialAxes, string? name) : base(spatialAxes, name) { }

    public override void DescribeInference(InferenceGraph graph) => DescribeReduction(graph, "ReduceMean");

    protected override void ForwardSample(int sample, ReadOnlySpan<float> input, Span<float> output) =>
        PoolingKernels.GlobalAverageForward(input, Channels, output);

    protected override void BackwardSample(int sample, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) =>
        PoolingKernels.GlobalAverageBackward(outputGradient, inputGradient);
}

/// <summary>Keras's GlobalAveragePooling1D: (steps, C) to (C).</summary>
public sealed class GlobalAveragePooling1D(string? name = null) : GlobalAveragePooling(1, name);

/// <summary>Keras's GlobalAveragePooling2D: (height, width, C) to (C).</summary>
public sealed class GlobalAveragePooling2D(string? name = null) : GlobalAveragePooling(2, name);
