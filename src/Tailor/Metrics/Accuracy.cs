using System.Runtime.CompilerServices;
using Tailor.Losses;

namespace Tailor.Metrics;

/// <summary>
/// Keras's "accuracy", resolved from the loss as Keras does: categorical (argmax against argmax),
/// sparse (argmax against the index) or binary (threshold 0.5). Its state is the correct count and the
/// count of values judged.
/// </summary>
public sealed class Accuracy : Metric
{
    private readonly double[] _state = new double[2];

    /// <inheritdoc/>
    public override string Name => "accuracy";

    /// <inheritdoc/>
    public override double[] State => _state;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Update(Loss loss, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs)
    {
        _state[0] += CountCorrect(loss, predictions, targets, batch, outputs);
        _state[1] += (long)batch * CountPerSample(loss, outputs);
    }

    /// <summary>Correct over judged; 0 before any update.</summary>
    public override double Result() => _state[1] == 0 ? 0 : _state[0] / _state[1];

    /// <inheritdoc/>
    public override Metric CloneEmpty() => new Accuracy();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CountCorrect(Loss loss, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs)
    {
        int correct = 0;
        bool binary = loss is BinaryCrossentropy || outputs == 1;
        for (int r = 0; r < batch; r++)
        {
            var p = predictions.Slice(r * outputs, outputs);
            if (binary)
            {
                var t = targets.Slice(r * outputs, outputs);
                for (int j = 0; j < outputs; j++) if ((p[j] > 0.5f) == (t[j] > 0.5f)) correct++;
                continue;
            }
            int predicted = ArgMax(p);
            int expected = loss is SparseCategoricalCrossentropy ? (int)targets[r] : ArgMax(targets.Slice(r * outputs, outputs));
            if (predicted == expected) correct++;
        }
        return correct;
    }

    /// <summary>Values counted per sample: one, or one per output for binary accuracy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CountPerSample(Loss loss, int outputs) => loss is BinaryCrossentropy || outputs == 1 ? outputs : 1;

    /// <summary>Index of the first maximum, as numpy's argmax.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
