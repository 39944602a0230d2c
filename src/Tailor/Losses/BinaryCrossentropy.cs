using System.Runtime.CompilerServices;
using Tailor.Kernels;

namespace Tailor.Losses;

/// <summary>
/// -(t log p + (1 - t) log(1 - p)), averaged over outputs and then over the batch; as Keras's, with
/// <see cref="FromLogits"/> p = sigmoid(z) of logits z, and with <see cref="LabelSmoothing"/> s the targets
/// become t (1 - s) + s / 2.
/// </summary>
public sealed class BinaryCrossentropy(bool fromLogits = false, float labelSmoothing = 0) : Loss
{
    public override string Name => "binary_crossentropy";

    /// <summary>The outputs are logits: the loss is max(z, 0) - z t + log(1 + exp(-|z|)), stably.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <summary>Keras's label_smoothing, in [0, 1].</summary>
    public float LabelSmoothing { get; } = CheckSmoothing(labelSmoothing);

    /// <inheritdoc/>
    public override Dictionary<string, object> GetOptions() => Options(FromLogits, LabelSmoothing);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override float Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
        if (FromLogits || LabelSmoothing != 0) return SmoothedOrFromLogits(predictions, targets, batch, outputs, gradient);
        double total = 0;
        float scale = 1f / (batch * outputs);
        for (int i = 0; i < batch * outputs; i++)
        {
            float p = Clip(predictions[i]), t = targets[i];
            total -= t * Math.Log(p) + (1 - t) * Math.Log(1 - p);
            // Zero where the clip bites, as the gradient of Keras's clip is.
            if (!gradient.IsEmpty) gradient[i] = p == predictions[i] ? (p - t) / (p * (1 - p)) * scale : 0;
        }
        return (float)(total / (batch * outputs));
    }

    /// <summary>The loss with targets t' = t (1 - s) + s / 2, on probabilities (clipped as Keras does) or on logits, in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float SmoothedOrFromLogits(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
        double total = 0, keep = 1 - (double)LabelSmoothing, half = LabelSmoothing / 2.0;
        double scale = 1.0 / (batch * outputs);
        for (int i = 0; i < batch * outputs; i++)
        {
            double x = predictions[i], t = targets[i] * keep + half;
            if (FromLogits)
            {
                total += Math.Max(x, 0) - x * t + Math.Log(1 + Math.Exp(-Math.Abs(x)));
                if (!gradient.IsEmpty) gradient[i] = (float)((1 / (1 + Math.Exp(-x)) - t) * scale);
            }
            else
            {
                double p = Math.Clamp(x, Epsilon, 1 - Epsilon);
                total -= t * Math.Log(p) + (1 - t) * Math.Log(1 - p);
                if (!gradient.IsEmpty) gradient[i] = p == x ? (float)((p - t) / (p * (1 - p)) * scale) : 0;
            }
        }
        return (float)(total * scale);
    }

    /// <summary>With sigmoid outputs and probabilities (not logits) the gradient before the sigmoid is p - t'.</summary>
    public override bool FusesWith(Activation activation) => activation == Activation.Sigmoid && !FromLogits;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void PreActivationGradient(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
        float scale = 1f / (batch * outputs);
        if (LabelSmoothing != 0)
        {
            float keep = 1 - LabelSmoothing, half = LabelSmoothing / 2;
            for (int i = 0; i < batch * outputs; i++) gradient[i] = (predictions[i] - (targets[i] * keep + half)) * scale;
            return;
        }
        for (int i = 0; i < batch * outputs; i++) gradient[i] = (predictions[i] - targets[i]) * scale;
    }
}
