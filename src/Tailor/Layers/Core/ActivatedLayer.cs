using System.Runtime.CompilerServices;
using Tailor.Graphs;
using Tailor.Kernels;
using Tailor.Tensors;

namespace Tailor.Layers.Core;

/// <summary>
/// A layer that applies an activation to its pre-activation z = (linear part) + bias. Bias and ReLU
/// run inside the matrix product; other activations after it, keeping z only when their derivative
/// needs it. Backward skips the activation when the loss has already produced dL/dz (softmax with
/// cross-entropy, sigmoid with binary cross-entropy).
/// </summary>
public abstract class ActivatedLayer : Layer
{
    private Tensor? _preActivation;
    private Tensor? _output;
    private Tensor? _preActivationGradient;

    protected ActivatedLayer(Activation activation) => Activation = activation;

    public Activation Activation { get; }

    /// <summary>Set by the model when the loss hands this layer dL/dz instead of dL/dy.</summary>
    internal bool GradientIsPreActivation { get; set; }

    /// <summary>The output of the last forward pass (its ReLU mask, for a backward pass done in one kernel).</summary>
    protected Tensor? Output => _output;

    /// <summary>Whether the matrix product applies the activation itself (ReLU and linear).</summary>
    protected bool ProductAppliesActivation => Activation is Activation.Relu or Activation.Linear;

    protected bool ProductAppliesRelu => Activation == Activation.Relu;

    /// <summary>The buffer the product writes into: the output itself unless z must be kept apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected Tensor PreActivationBuffer(int batch)
    {
        var output = Ensure(ref _output, batch, OutputShape);
        return Activations.BackwardNeedsInput(Activation) ? Ensure(ref _preActivation, batch, OutputShape) : output;
    }

    /// <summary>Applies an activation the product could not apply; returns the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected Tensor Activate(Tensor z)
    {
        var y = _output!;
        if (!ProductAppliesActivation) Activations.Forward(Activation, z.Span, y.Span, OutputShape[^1]);
        return y;
    }

    /// <summary>dL/dz from dL/dy in a buffer this layer owns, and the bias gradient (column sums of dz) when asked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected Tensor PreActivationGradient(Tensor outputGradient, Span<float> biasGradient)
    {
        int batch = outputGradient.Dim(0), n = OutputShape[^1];
        var dz = Ensure(ref _preActivationGradient, batch, OutputShape);
        if (GradientIsPreActivation || ProductAppliesActivation)
        {
            bool relu = !GradientIsPreActivation && ProductAppliesRelu;
            GradientRows.MaskAndSum(_output!.Span, outputGradient.Span, dz.Span, biasGradient, n, relu);
            return dz;
        }
        var z = Activations.BackwardNeedsInput(Activation) ? _preActivation! : _output!;
        Activations.Backward(Activation, z.Span, _output!.Span, outputGradient.Span, dz.Span, n);
        if (!biasGradient.IsEmpty) GradientRows.MaskAndSum(default, dz.Span, dz.Span, biasGradient, n, relu: false);
        return dz;
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["activation"] = Activation.KerasName();
        return config;
    }

    /// <summary>Appends the activation of <paramref name="input"/>, a tensor in <paramref name="layout"/> (softmax runs over its channels); returns the result.</summary>
    private protected string DescribeActivation(InferenceGraph graph, string input, TensorLayout layout)
    {
        string name = Activation.KerasName();
        switch (Activation)
        {
            case Activation.Linear: return input;
            case Activation.Relu: return graph.Node("Relu", name, [input]);
            case Activation.Sigmoid: return graph.Node("Sigmoid", name, [input]);
            case Activation.Tanh: return graph.Node("Tanh", name, [input]);
            case Activation.Softmax: return graph.Node("Softmax", name, [input], ("axis", layout == TensorLayout.ChannelsFirst ? 1L : -1L));
            case Activation.Elu: return graph.Node("Elu", name, [input], ("alpha", Activations.EluAlpha));
            case Activation.LeakyRelu: return graph.Node("LeakyRelu", name, [input], ("alpha", Activations.LeakySlope));
            case Activation.Gelu:
                // Exact GELU, 0.5 x (1 + erf(x / sqrt 2)): opset 13 has Erf but no Gelu.
                string scaled = graph.Node("Mul", name + "/scaled", [input, graph.Scalar(name + "/inv_sqrt2", 0.70710678f)]);
                string erf = graph.Node("Erf", name + "/erf", [scaled]);
                string plusOne = graph.Node("Add", name + "/plus_one", [erf, graph.Scalar(name + "/one", 1f)]);
                string half = graph.Node("Mul", name + "/half_x", [input, graph.Scalar(name + "/half", 0.5f)]);
                return graph.Node("Mul", name + "/out", [half, plusOne]);
            default: throw new NotSupportedException($"Activation {Activation} of {Describe()} cannot be exported to ONNX.");
        }
    }
}
