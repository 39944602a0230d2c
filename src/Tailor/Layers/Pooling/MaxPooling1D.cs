using Tailor.Graphs;
using Tailor.Kernels;

namespace Tailor.Layers.Pooling;

/// <summary>Max over windows of a sequence (pool 2 and stride = pool by default, padding valid), as Keras's MaxPooling1D.</summary>
public sealed class MaxPooling1D : BasePooling1D
{
    private int[] _argmax = [];

    public MaxPooling1D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
        : base(poolSize, strides, padding, name) { }

    protected override void PrepareForward(int batch)
    {
        int needed = batch * Geometry.OutputPositions * Geometry.Channels;
        if (_argmax.Length < needed) _argmax = new int[needed];
    }

    public override void DescribeInference(InferenceGraph graph) => DescribePooling(graph, "MaxPool");

    protected override void ForwardSample(int sequence, ReadOnlySpan<float> input, Span<float> output) =>
        PoolingKernels.MaxForward(Geometry, input, output, _argmax.AsSpan(sequence * output.Length, output.Length));

    protected override void BackwardSample(int sequence, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) =>
        PoolingKernels.MaxBackward(Geometry, outputGradient, _argmax.AsSpan(sequence * outputGradient.Length, outputGradient.Length), inputGradient);
}
