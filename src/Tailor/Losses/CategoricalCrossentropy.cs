using System.Runtime.CompilerServices;
using Tailor.Kernels;

namespace Tailor.Losses;

/// <summary>-sum_j t_j log p_j per sample, for one-hot (or soft) targets and probabilities p.</summary>
public sealed class CategoricalCrossentropy : Loss
{
    public override string Name => "categorical_crossentropy";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override float Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
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

    public override bool FusesWith(Activation activation) => activation == Activation.Softmax;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void PreActivationGradient(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
        float scale = 1f / batch;
        for (int r = 0; r < batch; r++)
        {
            var t = targets.Slice(r * outputs, outputs);
            float mass = System.Numerics.Tensors.TensorPrimitives.Sum(t);
            for (int j = 0; j < outputs; j++)
                gradient[r * outputs + j] = (predictions[r * outputs + j] * mass - t[j]) * scale;
        }
    }
}
