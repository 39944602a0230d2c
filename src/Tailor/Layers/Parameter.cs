using Tailor.Regularizers;
using Tailor.Tensors;

namespace Tailor.Layers;

/// <summary>
/// A weight tensor of a layer, with the gradient of the last backward pass. Non-trainable weights
/// (BatchNormalization's moving statistics) are updated by their layer, never by an optimizer, and
/// Keras counts them apart in the summary; their gradient stays zero.
/// </summary>
public sealed class Parameter
{
    public Parameter(string name, int[] shape, Regularizer? regularizer = null, bool trainable = true)
    {
        if (!trainable && regularizer != null)
            throw new ArgumentException($"Weight '{name}' is not trainable, so it cannot take a regularizer.");
        Name = name;
        Value = new Tensor(shape);
        Gradient = new Tensor(shape);
        Regularizer = regularizer;
        Trainable = trainable;
    }

    /// <summary>Keras's weight name within its layer: "kernel" or "bias".</summary>
    public string Name { get; }

    public Tensor Value { get; private set; }

    public Tensor Gradient { get; }

    public Regularizer? Regularizer { get; }

    /// <summary>
    /// Makes this weight read and write <paramref name="source"/>'s values (its gradient stays its own): the
    /// copy of a shared layer that runs its second call in a functional model uses the first's weights.
    /// </summary>
    internal void ShareValueOf(Parameter source)
    {
        if (!source.Value.Shape.SequenceEqual(Value.Shape))
            throw new ArgumentException($"Weight '{Name}' of shape {Value.ShapeString} cannot share the values of '{source.Name}' of shape {source.Value.ShapeString}.");
        Value = source.Value;
    }

    /// <summary>False for weights that the layer itself maintains (moving mean and variance).</summary>
    public bool Trainable { get; }
}
