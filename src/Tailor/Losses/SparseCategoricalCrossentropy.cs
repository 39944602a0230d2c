using System.Runtime.CompilerServices;
using Tailor.Kernels;

namespace Tailor.Losses;

/// <summary>-log p_label per sample, with the label as a class index.</summary>
public sealed class SparseCategoricalCrossentropy : Loss
{
    public override string Name => "sparse_categorical_crossentropy";

    public override int TargetLength(int outputs) => 1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override float Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs, Span<float> gradient)
    {
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

    public override bool FusesWith(Activation activation) => activation == Activation.Softmax;

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
