using System.Runtime.CompilerServices;
using Tailor.Kernels;

namespace Tailor.Losses;

/// <summary>-(t log p + (1 - t) log(1 - p)), averaged over outputs and then over the batch.</summary>
public sealed class BinaryCrossentropy : Loss
{
    public override string Name => "binary_crossentropy";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override float Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
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

    public override bool FusesWith(Activation activation) => activation == Activation.Sigmoid;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void PreActivationGradient(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
        float scale = 1f / (batch * outputs);
        for (int i = 0; i < batch * outputs; i++) gradient[i] = (predictions[i] - targets[i]) * scale;
    }
}
