using Tailor.Graphs;
using Tailor.Kernels;

namespace Tailor.Layers.Pooling;

/// <summary>Mean over windows of a sequence, as Keras's AveragePooling1D (padded cells are not counted).</summary>
public sealed class AveragePooling1D : BasePooling1D
{
    public AveragePooling1D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
        : base(poolSize, strides, padding, name) { }

    /// <summary>AveragePool, whose default count_include_pad = 0 leaves padded cells out of the mean, as Keras does.</summary>
    public override void DescribeInference(InferenceGraph graph) => DescribePooling(graph, "AveragePool");

    protected override void ForwardSample(int sequence, ReadOnlySpan<float> input, Span<float> output) =>
        PoolingKernels.AverageForward(Geometry, input, output);

    protected override void BackwardSample(int sequence, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) =>
        PoolingKernels.AverageBackward(Geometry, outputGradient, inputGradient);
}
