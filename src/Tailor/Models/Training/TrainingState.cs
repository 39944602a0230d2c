namespace Tailor.Models.Training;

/// <summary>
/// Everything a <see cref="Trainer"/> needs to go on exactly where a run stopped: the 0-based epoch to run
/// (or in progress), the next step inside it, that epoch's sample order, its running loss sum and metric
/// sums, every random stream's state and the History so far. Step 0 with an empty order means it stopped
/// between epochs. A checkpoint holds one; passed back to Fit, the resumed run draws and sums exactly what
/// the uninterrupted one would have.
/// </summary>
public sealed record TrainingState(
    int Epoch, int Step, int[] Order, double LossSum, IReadOnlyDictionary<string, double[]> Metrics, TrainingRngState Rng, History History)
{
    /// <summary>True when the run stopped inside an epoch, so that the epoch's order and sums must be restored.</summary>
    public bool IsMidEpoch => Step > 0;
}

/// <summary>The states of a Fit's random streams: the shuffles' and, by layer name, each layer's own (dropout).</summary>
public sealed record TrainingRngState(ulong[] Shuffle, IReadOnlyDictionary<string, ulong[]> Layers);
