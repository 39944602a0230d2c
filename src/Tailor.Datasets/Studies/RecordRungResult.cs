using Tailor.Models;

namespace Tailor.Studies;

/// <summary>
/// One rung of the record study: its scores with the weights it ends with, its cost, and its gain over the rung
/// before it. <see cref="History"/> is null for the rung that only evaluates (its model's history is the previous rung's).
/// </summary>
public sealed record RecordRungResult(RecordRung Rung, string Setting, long Parameters, History? History, Evaluation Validation, Evaluation Test,
    double Seconds, double CpuSeconds)
{
    public double ValidationAccuracy => Validation.Accuracy;

    public double TestAccuracy => Test.Accuracy;

    /// <summary>Validation accuracy minus the previous rung's; null on the first rung.</summary>
    public double? ValidationDelta { get; init; }

    /// <summary>Test accuracy minus the previous rung's; null on the first rung.</summary>
    public double? TestDelta { get; init; }

    /// <summary>Epochs trained: 0 for the rung that only evaluates.</summary>
    public int Epochs => History?.Epochs.Count ?? 0;
}
