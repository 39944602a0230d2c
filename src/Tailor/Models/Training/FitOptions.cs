using Tailor.Augmentation;

namespace Tailor.Models.Training;

/// <summary>How a <see cref="Trainer"/> fits: Keras's fit arguments, less the data.</summary>
public sealed record FitOptions
{
    public int Epochs { get; init; } = 1;

    /// <summary>Samples per step; the last batch of an epoch may be short.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Evaluated at each epoch's end into the val_ logs; never augmented.</summary>
    public BatchSource? Validation { get; init; }

    /// <summary>Shuffles the sample order every epoch.</summary>
    public bool Shuffle { get; init; } = true;

    public IReadOnlyList<Callback> Callbacks { get; init; } = [];

    /// <summary>Seeds the shuffles and the layers' streams (dropout); the model's seed + 1 when null.</summary>
    public ulong? Seed { get; init; }

    /// <summary>0: silent; more: Keras's progress line on the console.</summary>
    public int Verbose { get; init; } = 1;

    /// <summary>The 0-based epoch to start at (Keras's initial_epoch); a <see cref="Resume"/> state gives its own.</summary>
    public int InitialEpoch { get; init; }

    /// <summary>Where an earlier run stopped (a checkpoint's state): the run goes on exactly as if it had never stopped.</summary>
    public TrainingState? Resume { get; init; }

    /// <summary>Transforms each training batch (a copy), one key per batch from the training stream.</summary>
    public AugmentationPipeline? Augmentation { get; init; }

    /// <summary>Keras's sample_weight: one weight per training sample, multiplying its loss (not the metrics).</summary>
    public float[]? SampleWeights { get; init; }

    /// <summary>Keras's class_weight: a weight per class index, multiplying the loss of each sample of that class (and any sample weight).</summary>
    public IReadOnlyDictionary<int, float>? ClassWeights { get; init; }

    /// <summary>Hears of every batch and epoch; besides, not instead of, the console line of <see cref="Verbose"/>.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }
}
