using Tailor.Layers;

namespace Tailor.Models;

/// <summary>
/// A tensor of a functional model under construction (Keras's KerasTensor): a per-sample shape and the layer
/// call that gives it, no values. An <see cref="Input"/> starts a graph; calling a layer on symbolic tensors
/// (<c>layer.Call(x)</c>) gives the next; <c>new Model(inputs, outputs)</c> takes the graph between them.
/// Immutable, so a graph built from them has no cycle.
/// </summary>
public class SymbolicTensor
{
    private readonly int[] _shape;
    private readonly SymbolicTensor[] _inputs;

    private protected SymbolicTensor(int[] shape, Layer? layer, SymbolicTensor[] inputs)
    {
        _shape = shape;
        Layer = layer;
        _inputs = inputs;
    }

    internal static SymbolicTensor Called(Layer layer, SymbolicTensor[] inputs, int[] shape) => new(shape, layer, inputs);

    /// <summary>The per-sample shape, without the batch axis.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The layer whose call gives this tensor; null for an <see cref="Input"/>.</summary>
    public Layer? Layer { get; }

    /// <summary>The tensors the layer was called on, in order; empty for an <see cref="Input"/>.</summary>
    public IReadOnlyList<SymbolicTensor> Inputs => _inputs;

    /// <summary>Keras's batch shape: (None, 28, 28, 1).</summary>
    public override string ToString() => Layer.FormatBatchShape(_shape);

    /// <summary>"the output of Conv2D 'conv2d' (None, 26, 26, 32)" or "Input 'image' (None, 28, 28, 1)", for messages.</summary>
    internal virtual string Describe() => $"the output of {Layer!.Describe()} {this}";
}

/// <summary>
/// Keras's <c>keras.Input(shape)</c>: where a functional model's data enters, a symbolic tensor of a per-sample
/// shape (no batch axis). Named "input_1", "input_2"... in its model when no name is given.
/// </summary>
public sealed class Input : SymbolicTensor
{
    /// <summary>An input of per-sample <paramref name="shape"/>, e.g. [28, 28, 1]; <paramref name="name"/> names it in summaries and files.</summary>
    public Input(int[] shape, string? name = null) : base(Checked(shape), null, []) => Name = name;

    /// <summary>The name given, or the one its model gave it.</summary>
    public string? Name { get; internal set; }

    private static int[] Checked(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0 || shape.Any(d => d <= 0))
            throw new ArgumentException($"Input shape must have one or more positive dimensions, received {Tensors.Tensor.Format(shape)}.", nameof(shape));
        return (int[])shape.Clone();
    }

    internal override string Describe() => $"Input '{Name ?? "input"}' {this}";
}
