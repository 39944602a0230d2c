using Tailor.Layers;
using Tailor.Tensors;

namespace Tailor.Models;

/// <summary>
/// One layer call of a model's graph: the layer that runs it (the shared layer itself for its first call, a
/// twin sharing its weights for later ones), the value slots it reads and the one it writes.
/// </summary>
internal sealed class CallNode(Layer layer, Layer primary, int[] inputs, int output)
{
    /// <summary>The layer object that runs this call (its own activations).</summary>
    public Layer Layer { get; } = layer;

    /// <summary>The model's layer: <see cref="Layer"/> itself, or the shared layer a twin stands for.</summary>
    public Layer Primary { get; } = primary;

    public bool IsTwin => !ReferenceEquals(Layer, Primary);

    /// <summary>The slots of the values it reads, in the call's order.</summary>
    public int[] Inputs { get; } = inputs;

    /// <summary>The slot of the value it writes.</summary>
    public int Output { get; } = output;

    /// <summary>The list a multi-input layer reads its inputs from, filled each pass (so that no pass allocates).</summary>
    public Tensor[] Arguments { get; } = new Tensor[inputs.Length];
}
