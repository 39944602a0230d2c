using Tailor.Graphs;
using Tailor.Kernels;

namespace Tailor.Layers.Pooling;

/// <summary>Mean over windows, as Keras's AveragePooling2D (padded cells are not counted).</summary>
public sealed class AveragePooling2D : BasePooling2D
{
    [ConfigConstructor]
    public AveragePooling2D([ConfigDefault(2)] (int Height, int Width) poolSize, (int Height, int Width)? strides = null, Padding padding = Padding.Valid, string? name = null)
        : base(poolSize, strides, padding, name) { }

    public AveragePooling2D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
        : base((poolSize, poolSize), strides is int s ? (s, s) : null, padding, name) { }

    /// <summary>AveragePool, whose default count_include_pad = 0 leaves padded cells out of the mean, as Keras does.</summary>
    public override void DescribeInference(InferenceGraph graph) => DescribePooling(graph, "AveragePool");

    protected override void ForwardSample(int image, ReadOnlySpan<float> input, Span<float> output) =>
        PoolingKernels.AverageForward(Geometry, input, output);

    protected override void BackwardSample(int image, ReadOnlySpan<float> outputGradient, Span<float> inputGradient) =>
        PoolingKernels.AverageBackward(Geometry, outputGradient, inputGradient);
}
