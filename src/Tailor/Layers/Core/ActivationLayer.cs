using Tailor.Graphs;
using Tailor.Kernels;
using Tailor.Tensors;

namespace Tailor.Layers.Core;

/// <summary>Keras's Activation layer: applies an activation function on its own (named ActivationLayer to keep <see cref="Kernels.Activation"/> for the enum).</summary>
[TypeName("Activation")]
public sealed class ActivationLayer : ActivatedLayer
{
    private Tensor? _inputGradient;

    /// <summary>An Activation layer; a saved config without an activation means the linear one.</summary>
    public ActivationLayer([ConfigDefault(Activation.Linear)] Activation activation, string? name = null) : base(activation) => Name = name;

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        var z = PreActivationBuffer(input.Dim(0));
        if (ProductAppliesRelu) TensorPrimitivesRelu(input, z);
        else input.Span.CopyTo(z.Span);
        return Activate(z);
    }

    private static void TensorPrimitivesRelu(Tensor input, Tensor output) =>
        System.Numerics.Tensors.TensorPrimitives.Max(input.Span, 0f, output.Span);

    public override void DescribeInference(InferenceGraph graph) =>
        graph.SetOutput(DescribeActivation(graph, graph.Input(), graph.Layout), graph.Layout);

    public override Tensor? Backward(Tensor outputGradient)
    {
        if (!ComputeInputGradient) return null;
        var dz = PreActivationGradient(outputGradient, default);
        var dx = Ensure(ref _inputGradient, dz.Dim(0), InputShape);
        dz.Span.CopyTo(dx.Span);
        return dx;
    }
}
