using System.Runtime.CompilerServices;
using Tailor.Losses;

namespace Tailor.Metrics;

/// <summary>
/// Keras's top_k_categorical_accuracy (sparse_top_k_categorical_accuracy for class indices): a sample counts
/// when its true class is among the <see cref="K"/> highest outputs, that is when fewer than K classes score
/// strictly above it. "top_5_accuracy" for K = 5.
/// </summary>
public sealed class TopKAccuracy : Metric
{
    private readonly double[] _state = new double[2];

    public TopKAccuracy(int k = 5)
    {
        Common.Guard.Positive(k, "k");
        K = k;
    }

    public int K { get; }

    /// <inheritdoc/>
    public override string Name => $"top_{K}_accuracy";

    /// <inheritdoc/>
    public override double[] State => _state;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Update(Loss loss, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs)
    {
        bool sparse = loss is SparseCategoricalCrossentropy;
        for (int r = 0; r < batch; r++)
        {
            var p = predictions.Slice(r * outputs, outputs);
            int expected = sparse ? (int)targets[r] : Accuracy.ArgMax(targets.Slice(r * outputs, outputs));
            if ((uint)expected >= (uint)outputs) throw new ArgumentException($"A target names class {expected}; the model has {outputs} outputs.");
            int above = 0;
            for (int j = 0; j < outputs; j++) if (p[j] > p[expected]) above++;
            if (above < K) _state[0]++;
        }
        _state[1] += batch;
    }

    /// <inheritdoc/>
    public override double Result() => _state[1] == 0 ? 0 : _state[0] / _state[1];

    /// <inheritdoc/>
    public override Metric CloneEmpty() => new TopKAccuracy(K);
}
