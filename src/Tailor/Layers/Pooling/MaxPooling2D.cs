using System.Runtime.CompilerServices;
using Tailor.Graphs;
using Tailor.Kernels;
using Tailor.Tensors;

namespace Tailor.Layers.Pooling;

/// <summary>Max over windows (pool 2 and stride = pool by default, padding valid), as Keras's MaxPooling2D.</summary>
public sealed class MaxPooling2D : BasePooling2D
{
    private int[] _argmax = [];
    /// <summary>Whether _argmax holds the windows' winners of the last forward pass: inference keeps none.</summary>
    private bool _argmaxReady;

    [ConfigConstructor]
    public MaxPooling2D([ConfigDefault(2)] (int Height, int Width) poolSize, (int Height, int Width)? strides = null, Padding padding = Padding.Valid, string? name = null)
        : base(poolSize, strides, padding, name) { }

    public MaxPooling2D(int poolSize = 2, int? strides = null, Padding padding = Padding.Valid, string? name = null)
        : base((poolSize, poolSize), strides is int s ? (s, s) : null, padding, name) { }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void PrepareForward(int batch)
    {
        int needed = batch * Geometry.OutputPositions * Geometry.Channels;
        if (_argmax.Length < needed) _argmax = new int[needed];
        _argmaxReady = Training;
    }

    public override void DescribeInference(InferenceGraph graph) => DescribePooling(graph, "MaxPool");

    /// <summary>The window over one sample, for a layer before it that pools its own samples in inference.</summary>
    internal ConvGeometry Window => Geometry;

    /// <summary>
    /// The winning input offset of each output value of the last training forward pass over <paramref name="batch"/>
    /// samples (empty when that pass kept none), for a layer before it that routes this layer's gradient itself.
    /// </summary>
    internal ReadOnlySpan<int> Winners(int batch) =>
        _argmaxReady ? _argmax.AsSpan(0, batch * Geometry.OutputPositions * Geometry.Channels) : default;

    /// <summary>The output and winners buffers of a training pass whose samples the convolution before this layer pools.</summary>
    internal (Tensor Output, int[] Winners) OutputOfFusedTraining(int batch) => (OutputOfFusedPass(batch, training: true), _argmax);

    /// <summary>Training keeps each window's winner for backward; inference only takes the maxima, the same values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ForwardSample(int image, ReadOnlySpan<float> input, Span<float> output)
    {
        if (Training) PoolingKernels.MaxForward(Geometry, input, output, _argmax.AsSpan(image * output.Length, output.Length));
        else PoolingKernels.MaxForward(Geometry, input, output);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void BackwardSample(int image, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        var argmax = _argmax.AsSpan(image * outputGradient.Length, outputGradient.Length);
        // After an inference forward pass (input gradients of a model in inference mode): the winners of
        // the same input, found again; the maxima are written to the scratch gradient and overwritten below.
        if (!_argmaxReady) PoolingKernels.MaxForward(Geometry, InputOf(image), inputGradient[..outputGradient.Length], argmax);
        PoolingKernels.MaxBackward(Geometry, outputGradient, argmax, inputGradient);
    }
}
