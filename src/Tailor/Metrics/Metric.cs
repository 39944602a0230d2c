using Tailor.Losses;

namespace Tailor.Metrics;

/// <summary>
/// A quantity tracked over an epoch or an evaluation, as Keras's <c>keras.metrics</c>: updated batch by
/// batch, read with <see cref="Result"/>. Its state is a few sums, so that a checkpoint can keep it and
/// the partial states of several shards or processes combine exactly by adding them in a fixed order.
/// </summary>
public abstract class Metric
{
    /// <summary>The key in the logs and History ("accuracy"; "val_accuracy" for validation).</summary>
    public abstract string Name { get; }

    /// <summary>The sums this metric accumulates; <see cref="Reset"/> zeroes them, <see cref="Result"/> reads them.</summary>
    public abstract double[] State { get; }

    /// <summary>Adds one batch: <paramref name="predictions"/> (batch x outputs) against <paramref name="targets"/> in the layout <paramref name="loss"/> takes.</summary>
    public abstract void Update(Loss loss, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs);

    /// <summary>The value of the state accumulated since the last <see cref="Reset"/>.</summary>
    public abstract double Result();

    /// <summary>A fresh metric of the same kind and settings, for a run that must not share this one's state.</summary>
    public abstract Metric CloneEmpty();

    /// <summary>Zeroes the state, as at the start of an epoch.</summary>
    public void Reset() => Array.Clear(State);

    /// <summary>Replaces the state by <paramref name="state"/> (a checkpoint's); its length must match.</summary>
    public virtual void Restore(IReadOnlyList<double> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Count != State.Length)
            throw new ArgumentException($"Metric '{Name}' keeps {State.Length} sums, received {state.Count}.", nameof(state));
        for (int i = 0; i < state.Count; i++) State[i] = state[i];
    }

    /// <summary>
    /// A metric by name: "accuracy" (or "acc"); "precision", "recall", "f1" (macro averages), prefixed
    /// "weighted_" or "micro_" for the other averages; "top_k_categorical_accuracy" (k = 5, as Keras) or
    /// "top_N_accuracy".
    /// </summary>
    public static Metric Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var average = MetricAverage.Macro;
        string metric = name;
        foreach (var (prefix, kind) in new[] { ("weighted_", MetricAverage.Weighted), ("micro_", MetricAverage.Micro) })
            if (name.StartsWith(prefix, StringComparison.Ordinal)) (metric, average) = (name[prefix.Length..], kind);
        Metric? parsed = metric switch
        {
            "accuracy" or "acc" when average == MetricAverage.Macro => new Accuracy(),
            "precision" => new Precision(average),
            "recall" => new Recall(average),
            "f1" or "f1_score" => new F1Score(average),
            "top_k_categorical_accuracy" or "sparse_top_k_categorical_accuracy" when average == MetricAverage.Macro => new TopKAccuracy(),
            _ when average == MetricAverage.Macro && metric.StartsWith("top_", StringComparison.Ordinal) && metric.EndsWith("_accuracy", StringComparison.Ordinal)
                && int.TryParse(metric.AsSpan(4, metric.Length - 13), System.Globalization.NumberStyles.None, null, out int k) && k is > 0 and <= Common.Guard.MaxSize => new TopKAccuracy(k),
            _ => null,
        };
        return parsed ?? throw new ArgumentException(
            $"Unknown metric '{name}'. Valid metrics: accuracy, precision, recall, f1 (each also weighted_ or micro_), top_k_categorical_accuracy, top_N_accuracy.");
    }
}
