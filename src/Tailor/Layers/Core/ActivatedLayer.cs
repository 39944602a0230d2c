using Tailor.Kernels;
using Tailor.Tensors;

namespace Tailor.Layers.Core;

/// <summary>
/// A layer that applies an activation to its pre-activation z. It keeps z only when the activation's
/// derivative needs it, and skips the activation's backward when the loss has already produced
/// dL/dz (softmax with cross-entropy, sigmoid with binary cross-entropy).
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

    /// <summary>The buffer the linear part writes z into (the output itself when z need not be kept).</summary>
    protected Tensor PreActivationBuffer(int batch)
    {
        var output = Ensure(ref _output, batch, OutputShape);
        return Activations.BackwardNeedsInput(Activation) ? Ensure(ref _preActivation, batch, OutputShape) : output;
    }

    /// <summary>Applies the activation to z in place or into the output buffer.</summary>
    protected Tensor Activate(Tensor z)
    {
        var y = _output!;
        Activations.Forward(Activation, z.Span, y.Span, OutputShape[^1]);
        return y;
    }

    /// <summary>dL/dz from dL/dy, in a buffer this layer owns.</summary>
    protected Tensor PreActivationGradient(Tensor outputGradient)
    {
        if (GradientIsPreActivation || Activation == Activation.Linear) return outputGradient;
        int batch = outputGradient.Dim(0);
        var dz = Ensure(ref _preActivationGradient, batch, OutputShape);
        var z = Activations.BackwardNeedsInput(Activation) ? _preActivation! : _output!;
        Activations.Backward(Activation, z.Span, _output!.Span, outputGradient.Span, dz.Span, OutputShape[^1]);
        return dz;
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["activation"] = Activation.KerasName();
        return config;
    }
}
