using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Tailor.Tensors;

namespace Tailor.Layers.Merging;

/// <summary>Keras's Add: the element-wise sum of two or more inputs of one shape (a residual connection).</summary>
public sealed class Add : Merge
{
    public Add(string? name = null) : base(name) { }

    private protected override (string OpType, bool Variadic) OnnxOperator => ("Add", false);

    private protected override void Combine(IReadOnlyList<Tensor> inputs, Span<float> output)
    {
        TensorPrimitives.Add(inputs[0].Span, inputs[1].Span, output);
        for (int i = 2; i < inputs.Count; i++) TensorPrimitives.Add(output, inputs[i].Span, output);
    }

    // d(sum)/d(each input) is 1: every input gets the output's gradient itself (never changed by its readers).
    private protected override void Distribute(Tensor outputGradient, int batch, Tensor[] gradients) =>
        Array.Fill(gradients, outputGradient);
}
