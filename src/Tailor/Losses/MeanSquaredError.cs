using System.Runtime.CompilerServices;
namespace Tailor.Losses;

/// <summary>(p - t)^2, averaged over outputs and then over the batch.</summary>
public sealed class MeanSquaredError : Loss
{
    public override string Name => "mean_squared_error";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override float Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
        double total = 0;
        float scale = 2f / (batch * outputs);
        for (int i = 0; i < batch * outputs; i++)
        {
            float d = predictions[i] - targets[i];
            total += (double)d * d;
            if (!gradient.IsEmpty) gradient[i] = d * scale;
        }
        return (float)(total / (batch * outputs));
    }
}
