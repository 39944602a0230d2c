using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Tailor.Tensors;

namespace Tailor.Layers.Merging;

/// <summary>Keras's Subtract: the first input minus the second, both of one shape.</summary>
public sealed class Subtract : Merge
{
    public Subtract(string? name = null) : base(name) { }

    private protected override (int Min, int Max) InputCount => (2, 2);

    private protected override (string OpType, bool Variadic) OnnxOperator => ("Sub", false);

    private protected override void Combine(IReadOnlyList<Tensor> inputs, Span<float> output) =>
        TensorPrimitives.Subtract(inputs[0].Span, inputs[1].Span, output);

    private protected override void Distribute(Tensor outputGradient, int batch, Tensor[] gradients)
    {
        gradients[0] = outputGradient;
        var negated = InputGradient(1, batch);
        TensorPrimitives.Negate(outputGradient.Span, negated.Span);
        gradients[1] = negated;
    }
}
