using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Tailor.Tensors;

namespace Tailor.Layers.Merging;

/// <summary>Keras's Multiply: the element-wise product of two or more inputs of one shape.</summary>
public sealed class Multiply : Merge
{
    private Tensor[] _inputs = [];

    public Multiply(string? name = null) : base(name) { }

    private protected override (string OpType, bool Variadic) OnnxOperator => ("Mul", false);

    private protected override void Combine(IReadOnlyList<Tensor> inputs, Span<float> output)
    {
        // Kept for backward: the inputs are the buffers of the layers before, valid until their next forward.
        if (_inputs.Length != inputs.Count) _inputs = new Tensor[inputs.Count];
        for (int i = 0; i < inputs.Count; i++) _inputs[i] = inputs[i];
        TensorPrimitives.Multiply(inputs[0].Span, inputs[1].Span, output);
        for (int i = 2; i < inputs.Count; i++) TensorPrimitives.Multiply(output, inputs[i].Span, output);
    }

    // d(product)/d(input i) is the product of the others, taken in input order.
    private protected override void Distribute(Tensor outputGradient, int batch, Tensor[] gradients)
    {
        for (int i = 0; i < _inputs.Length; i++)
        {
            var gradient = InputGradient(i, batch);
            outputGradient.Span.CopyTo(gradient.Span);
            for (int j = 0; j < _inputs.Length; j++)
                if (j != i) TensorPrimitives.Multiply(gradient.Span, _inputs[j].Span, gradient.Span);
            gradients[i] = gradient;
        }
    }
}
