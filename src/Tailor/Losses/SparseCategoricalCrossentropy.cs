using System.Runtime.CompilerServices;
using Tailor.Kernels;

namespace Tailor.Losses;

/// <summary>-log p_label per sample, with the label as a class index; with <see cref="FromLogits"/>, p = softmax(z) of logits z.</summary>
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false) : Loss
{
    public override string Name => "sparse_categorical_crossentropy";

    /// <summary>The outputs are logits, not probabilities: the loss takes their log-softmax, stably.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <inheritdoc/>
    public override Dictionary<string, object> GetOptions() => Options(FromLogits, 0);

    public override int TargetLength(int outputs) => 1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override float Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
        if (FromLogits) return FromLogitsLoss(predictions, targets, batch, outputs, gradient);
        double total = 0;
        float scale = 1f / batch;
        if (!gradient.IsEmpty) gradient.Slice(0, batch * outputs).Clear();
        for (int r = 0; r < batch; r++)
        {
            int label = Label(targets[r], outputs, r);
            var p = predictions.Slice(r * outputs, outputs);
            float sum = System.Numerics.Tensors.TensorPrimitives.Sum(p), q = p[label] / sum, clipped = Clip(q);
            total -= Math.Log(clipped);
            // Through the rescaling q = p / S: dL/dp_k = (1 - [k = label] / q) / S, zero where the clip bites.
            if (!gradient.IsEmpty && q == clipped)
            {
                var g = gradient.Slice(r * outputs, outputs);
                g.Fill(scale / sum);
                g[label] = (1 - 1 / q) * scale / sum;
            }
        }
        return (float)(total / batch);
    }

    /// <summary>log-sum-exp of the row minus its label's logit, through the largest logit, in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float FromLogitsLoss(ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
        double total = 0;
        float scale = 1f / batch;
        for (int r = 0; r < batch; r++)
        {
            int label = Label(targets[r], outputs, r);
            var z = logits.Slice(r * outputs, outputs);
            double max = double.NegativeInfinity, sumExp = 0;
            for (int j = 0; j < outputs; j++) max = Math.Max(max, z[j]);
            for (int j = 0; j < outputs; j++) sumExp += Math.Exp(z[j] - max);
            double logSum = max + Math.Log(sumExp);
            total += logSum - z[label];
            if (!gradient.IsEmpty)
                for (int j = 0; j < outputs; j++)
                    gradient[r * outputs + j] = (float)((Math.Exp(z[j] - logSum) - (j == label ? 1 : 0)) * scale);
        }
        return (float)(total / batch);
    }

    /// <summary>With softmax outputs and probabilities (not logits) the gradient before the softmax is p - onehot.</summary>
    public override bool FusesWith(Activation activation) => activation == Activation.Softmax && !FromLogits;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void PreActivationGradient(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
        float scale = 1f / batch;
        for (int r = 0; r < batch; r++)
        {
            int label = Label(targets[r], outputs, r);
            for (int j = 0; j < outputs; j++)
                gradient[r * outputs + j] = (predictions[r * outputs + j] - (j == label ? 1 : 0)) * scale;
        }
    }

    internal static int Label(float value, int outputs, int row)
    {
        int label = (int)value;
        if (label != value || label < 0 || label >= outputs)
            throw new ArgumentException($"sparse_categorical_crossentropy expects class indices in [0, {outputs}), received {value} for sample {row}.");
        return label;
    }
}
