using Tailor.Serialization;

namespace Tailor.Studies;

/// <summary>
/// Where a training run keeps its checkpoints and how often: every <see cref="Every"/> epochs (0: only
/// when interrupted). <see cref="ResumeFrom"/> continues a run from one of them.
/// </summary>
public sealed record Checkpointing(string Directory, int Every = 0, TrainingCheckpoint? ResumeFrom = null)
{
    /// <summary>The metadata key under which a checkpoint keeps the run's options, so that --resume needs nothing else.</summary>
    public const string OptionsKey = "training_options";
}
