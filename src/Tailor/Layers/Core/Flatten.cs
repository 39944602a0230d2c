using System.Runtime.CompilerServices;
using Tailor.Graphs;
using Tailor.Tensors;

namespace Tailor.Layers.Core;

/// <summary>Flattens each sample to one axis in row-major (height, width, channel) order, as Keras does; no copy.</summary>
public sealed class Flatten : Layer
{
    private Tensor? _output;
    private Tensor? _inputGradient;

    public Flatten(string? name = null) => Name = name;

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length == 0) throw new ArgumentException($"{Describe()} needs input with at least one axis besides the batch.");
        return [Tensor.SizeOf(inputShape)];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        return View(ref _output, input, OutputShape);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor? Backward(Tensor outputGradient) =>
        ComputeInputGradient ? View(ref _inputGradient, outputGradient, InputShape) : null;

    /// <summary>ONNX's Flatten of channels-last values: Keras's (height, width, channel) order of the features.</summary>
    public override void DescribeInference(InferenceGraph graph) =>
        graph.SetOutput(graph.Node("Flatten", "flatten", [graph.Input(TensorLayout.ChannelsLast)], ("axis", 1L)), TensorLayout.ChannelsLast);
}
