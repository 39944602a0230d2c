using Tailor.Regularizers;
using Tailor.Tensors;

namespace Tailor.Layers;

/// <summary>A trainable tensor of a layer, with the gradient of the last backward pass.</summary>
public sealed class Parameter
{
    public Parameter(string name, int[] shape, Regularizer? regularizer = null)
    {
        Name = name;
        Value = new Tensor(shape);
        Gradient = new Tensor(shape);
        Regularizer = regularizer;
    }

    /// <summary>Keras's weight name within its layer: "kernel" or "bias".</summary>
    public string Name { get; }

    public Tensor Value { get; }

    public Tensor Gradient { get; }

    public Regularizer? Regularizer { get; }
}
