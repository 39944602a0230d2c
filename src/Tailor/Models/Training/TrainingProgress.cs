namespace Tailor.Models.Training;

/// <summary>
/// What a running Fit reports to an <see cref="IProgress{T}"/>: after each batch the running mean loss of
/// the epoch, and at each epoch's end its logs (loss, metrics, validation). Epochs and steps are 0-based;
/// a struct, so that reporting every batch allocates nothing.
/// </summary>
public readonly record struct TrainingProgress(int Epoch, int Epochs, int Step, int Steps, double Loss, IReadOnlyDictionary<string, double>? EpochLogs)
{
    /// <summary>True for the report at an epoch's end, which carries <see cref="EpochLogs"/>.</summary>
    public bool IsEpochEnd => EpochLogs != null;
}
