using System.Runtime.CompilerServices;
using Tailor.Kernels;

namespace Tailor.Losses;

/// <summary>
/// -sum_j t_j log p_j per sample, for one-hot (or soft) targets and probabilities p; as Keras's, with
/// <see cref="FromLogits"/> the outputs are logits z and p = softmax(z), and with <see cref="LabelSmoothing"/>
/// s the targets become t (1 - s) + s / classes.
/// </summary>
public sealed class CategoricalCrossentropy(bool fromLogits = false, float labelSmoothing = 0) : Loss
{
    public override string Name => "categorical_crossentropy";

    /// <summary>The outputs are logits, not probabilities: the loss takes their log-softmax, stably.</summary>
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
        float scale = 1f / batch;
        for (int r = 0; r < batch; r++)
        {
            var p = predictions.Slice(r * outputs, outputs);
            var t = targets.Slice(r * outputs, outputs);
            // Keras rescales the probabilities to sum to one before the log, and clips them; the gradient
            // goes through both: with q = p / S, dL/dp_k = (sum_j t_j [q_j unclipped] - t_k / q_k [q_k unclipped]) / S.
            float sum = System.Numerics.Tensors.TensorPrimitives.Sum(p);
            double sample = 0;
            float mass = 0;
            for (int j = 0; j < outputs; j++)
            {
                float q = p[j] / sum, clipped = Clip(q);
                if (t[j] != 0) sample -= t[j] * Math.Log(clipped);
                if (q == clipped) mass += t[j];
            }
            if (!gradient.IsEmpty)
            {
                for (int j = 0; j < outputs; j++)
                {
                    float q = p[j] / sum;
                    gradient[r * outputs + j] = (mass - (q == Clip(q) ? t[j] / q : 0)) * scale / sum;
                }
            }
            total += sample;
        }
        return (float)(total / batch);
    }

    /// <summary>
    /// The loss with smoothed targets t' = t (1 - s) + s / K, on probabilities (rescaled and clipped as Keras
    /// does) or on logits (log-softmax through the largest logit, in double).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float SmoothedOrFromLogits(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
        double total = 0, keep = 1 - (double)LabelSmoothing, spread = (double)LabelSmoothing / outputs;
        float scale = 1f / batch;
        for (int r = 0; r < batch; r++)
        {
            var x = predictions.Slice(r * outputs, outputs);
            var t = targets.Slice(r * outputs, outputs);
            double sample = 0, mass = 0;
            if (FromLogits)
            {
                double max = double.NegativeInfinity, sumExp = 0;
                for (int j = 0; j < outputs; j++) max = Math.Max(max, x[j]);
                for (int j = 0; j < outputs; j++) sumExp += Math.Exp(x[j] - max);
                double logSum = max + Math.Log(sumExp);
                for (int j = 0; j < outputs; j++) { double tj = t[j] * keep + spread; sample += tj * (logSum - x[j]); mass += tj; }
                if (!gradient.IsEmpty)
                    for (int j = 0; j < outputs; j++)
                        gradient[r * outputs + j] = (float)((Math.Exp(x[j] - logSum) * mass - (t[j] * keep + spread)) * scale);
            }
            else
            {
                double sum = 0;
                for (int j = 0; j < outputs; j++) sum += x[j];
                for (int j = 0; j < outputs; j++)
                {
                    double tj = t[j] * keep + spread, q = x[j] / sum, clipped = Math.Clamp(q, Epsilon, 1 - Epsilon);
                    if (tj != 0) sample -= tj * Math.Log(clipped);
                    if (q == clipped) mass += tj;
                }
                if (!gradient.IsEmpty)
                    for (int j = 0; j < outputs; j++)
                    {
                        double tj = t[j] * keep + spread, q = x[j] / sum;
                        bool inside = q == Math.Clamp(q, Epsilon, 1 - Epsilon);
                        gradient[r * outputs + j] = (float)((mass - (inside ? tj / q : 0)) * scale / sum);
                    }
            }
            total += sample;
        }
        return (float)(total / batch);
    }

    /// <summary>With softmax outputs and probabilities (not logits) the gradient before the softmax is p sum(t') - t'.</summary>
    public override bool FusesWith(Activation activation) => activation == Activation.Softmax && !FromLogits;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void PreActivationGradient(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
        float scale = 1f / batch;
        if (LabelSmoothing != 0)
        {
            float keep = 1 - LabelSmoothing, spread = LabelSmoothing / outputs;
            for (int r = 0; r < batch; r++)
            {
                var t = targets.Slice(r * outputs, outputs);
                float mass = 0;
                for (int j = 0; j < outputs; j++) mass += t[j] * keep + spread;
                for (int j = 0; j < outputs; j++)
                    gradient[r * outputs + j] = (predictions[r * outputs + j] * mass - (t[j] * keep + spread)) * scale;
            }
            return;
        }
        for (int r = 0; r < batch; r++)
        {
            var t = targets.Slice(r * outputs, outputs);
            float mass = System.Numerics.Tensors.TensorPrimitives.Sum(t);
            for (int j = 0; j < outputs; j++)
                gradient[r * outputs + j] = (predictions[r * outputs + j] * mass - t[j]) * scale;
        }
    }
}
