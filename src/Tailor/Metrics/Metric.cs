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
    public void Restore(IReadOnlyList<double> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Count != State.Length)
            throw new ArgumentException($"Metric '{Name}' keeps {State.Length} sums, received {state.Count}.", nameof(state));
        for (int i = 0; i < state.Count; i++) State[i] = state[i];
    }

    /// <summary>Keras's metric names: "accuracy" (or "acc").</summary>
    public static Metric Parse(string name) => name switch
    {
        "accuracy" or "acc" => new Accuracy(),
        _ => throw new ArgumentException($"Unknown metric '{name}'. Valid metrics: accuracy."),
    };
}
