namespace Tailor.Models;

/// <summary>
/// Keeps a copy of the weights after a given epoch (1-based). With a fixed seed, training N epochs
/// from scratch retraces the first N epochs of a longer run exactly, so a snapshot at epoch N of the
/// long run is the model the shorter run would give, without training it again.
/// </summary>
public sealed class WeightSnapshot(int epoch) : Callback
{
    public int Epoch { get; } = epoch > 0 ? epoch : throw new ArgumentOutOfRangeException(nameof(epoch), $"Snapshot epoch must be positive, received {epoch}.");

    /// <summary>The weights after <see cref="Epoch"/>, or null if training stopped before it.</summary>
    public float[][]? Weights { get; private set; }

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (epoch + 1 == Epoch) Weights = Model!.GetWeights();
    }
}
