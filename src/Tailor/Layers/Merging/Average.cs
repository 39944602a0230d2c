using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Tailor.Tensors;

namespace Tailor.Layers.Merging;

/// <summary>Keras's Average: the element-wise mean of two or more inputs of one shape.</summary>
public sealed class Average : Merge
{
    public Average(string? name = null) : base(name) { }

    private protected override (string OpType, bool Variadic) OnnxOperator => ("Mean", true);

    private protected override void Combine(IReadOnlyList<Tensor> inputs, Span<float> output)
    {
        TensorPrimitives.Add(inputs[0].Span, inputs[1].Span, output);
        for (int i = 2; i < inputs.Count; i++) TensorPrimitives.Add(output, inputs[i].Span, output);
        TensorPrimitives.Divide(output, inputs.Count, output);
    }

    // Every input gets the output's gradient over the number of inputs: one buffer serves them all.
    private protected override void Distribute(Tensor outputGradient, int batch, Tensor[] gradients)
    {
        var shared = InputGradient(0, batch);
        TensorPrimitives.Divide(outputGradient.Span, gradients.Length, shared.Span);
        Array.Fill(gradients, shared);
    }
}
