using Tailor.Common;

namespace Tailor.Models;

/// <summary>Training stopped on request (Ctrl-C, SIGTERM) after a batch, with a checkpoint written to resume from.</summary>
public sealed class TrainingInterruptedException(string message, string checkpointPath) : OperationInterruptedException(message)
{
    public string CheckpointPath { get; } = checkpointPath;
}
