namespace Tailor.Models;

/// <summary>The loss became NaN or infinite; the message names the epoch and batch.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
