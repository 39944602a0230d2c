using Tailor.Tensors;

namespace Tailor.Layers.Merging;

/// <summary>
/// Keras's Maximum: the element-wise maximum of two or more inputs of one shape. The gradient goes to the
/// first input holding the maximum, as TensorFlow's maximum passes a tie to its first argument.
/// </summary>
public sealed class Maximum : Merge
{
    private Tensor[] _inputs = [];

    public Maximum(string? name = null) : base(name) { }

    private protected override (string OpType, bool Variadic) OnnxOperator => ("Max", true);

    private protected override void Combine(IReadOnlyList<Tensor> inputs, Span<float> output)
    {
        if (_inputs.Length != inputs.Count) _inputs = new Tensor[inputs.Count];
        for (int i = 0; i < inputs.Count; i++) _inputs[i] = inputs[i];
        inputs[0].Span.CopyTo(output);
        for (int i = 1; i < inputs.Count; i++)
        {
            var x = inputs[i].Span;
            for (int k = 0; k < output.Length; k++) if (x[k] > output[k]) output[k] = x[k];
        }
    }

    private protected override void Distribute(Tensor outputGradient, int batch, Tensor[] gradients)
    {
        var g = outputGradient.Span;
        for (int i = 0; i < _inputs.Length; i++)
        {
            gradients[i] = InputGradient(i, batch);
            gradients[i].Span.Clear();
        }
        for (int k = 0; k < g.Length; k++)
        {
            int winner = 0;
            float best = _inputs[0].Span[k];
            for (int i = 1; i < _inputs.Length; i++)
                if (_inputs[i].Span[k] > best) { best = _inputs[i].Span[k]; winner = i; }
            gradients[winner].Span[k] = g[k];
        }
    }
}
