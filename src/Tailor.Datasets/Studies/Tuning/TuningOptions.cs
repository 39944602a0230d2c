namespace Tailor.Studies.Tuning;

/// <summary>How <see cref="Tuner"/> searches; checked before any work starts.</summary>
public sealed record TuningOptions
{
    public SearchStrategy Strategy { get; init; } = SearchStrategy.Random;
    /// <summary>The trial budget; null: 12 for random search, the whole grid for grid search.</summary>
    public int? Trials { get; init; }
    /// <summary>Epochs of each trial.</summary>
    public int Epochs { get; init; } = 6;
    /// <summary>Seeds the draw of the trials, and every trial's weights (seed) and shuffles and dropout (seed + 1), as `tailor train`.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Also train the notebook's CNN with dropout for the same epochs, as the mark to beat.</summary>
    public bool Baseline { get; init; } = true;
    /// <summary>Train the best configuration on the full training set at the end.</summary>
    public bool Final { get; init; } = true;
    public int FinalEpochs { get; init; } = 10;

    /// <summary>The trial budget: each trial trains a model for minutes, so 1,000 is days of search.</summary>
    public static readonly Common.ValueRange TrialsRange = new(1, 1_000);

    public void Validate()
    {
        if (Trials is int t) TrialsRange.Check("--trials", t);
        TrainingOptions.EpochsRange.Check("--epochs", Epochs);
        TrainingOptions.EpochsRange.Check("--final-epochs", FinalEpochs);
    }
}
