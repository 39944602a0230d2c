namespace Tailor.Models;

/// <summary>
/// Where an interrupted <see cref="Sequential.Fit"/> stopped: the 0-based epoch in progress, the next
/// step, that epoch's sample order and its running loss sum and correct count. Step 0 with an empty
/// order means it stopped between epochs. Passed back to Fit, it makes the resumed run draw and sum
/// exactly what the uninterrupted one would have.
/// </summary>
public sealed record FitProgress(int Epoch, int Step, int[] Order, double LossSum, long Correct);

/// <summary>The states of a Fit's random streams: the shuffles' and, by layer name, each layer's own (dropout).</summary>
public sealed record TrainingRngState(ulong[] Shuffle, IReadOnlyDictionary<string, ulong[]> Layers);
