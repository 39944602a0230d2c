using Tailor.Common;
using Tailor.Serialization;

namespace Tailor.Studies;

/// <summary>
/// Where a training run keeps its checkpoints and how often: every <see cref="Every"/> epochs (0: only
/// when interrupted), keeping the latest <see cref="Keep"/> of the folder. <see cref="ResumeFrom"/>
/// continues a run from one of them.
/// </summary>
public sealed record Checkpointing(string Directory, int Every = 0, TrainingCheckpoint? ResumeFrom = null, int Keep = Checkpointing.DefaultKeep)
{
    /// <summary>The metadata key under which a checkpoint keeps the run's options, so that --resume needs nothing else.</summary>
    public const string OptionsKey = "training_options";

    /// <summary>
    /// Checkpoints kept by default: the latest, and two before it in case the latest was written from a
    /// moment already going wrong (a loss about to diverge). Each is a model file with its optimizer state.
    /// </summary>
    public const int DefaultKeep = 3;

    public static readonly ValueRange KeepRange = new(1, 1_000);
}
