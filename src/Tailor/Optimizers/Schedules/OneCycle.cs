namespace Tailor.Optimizers.Schedules;

/// <summary>
/// The one-cycle policy (Smith and Topin), as PyTorch's OneCycleLR with cosine annealing and two
/// phases, which Keras lacks: from maxRate / divFactor up to maxRate over the first pctStart of the
/// steps, then down to maxRate / divFactor / finalDivFactor at the last step.
/// </summary>
public sealed class OneCycle : LearningRateSchedule
{
    public OneCycle(double maxLearningRate, long totalSteps, double pctStart = 0.3, double divFactor = 25, double finalDivFactor = 1e4)
    {
        RequirePositive(maxLearningRate, "max_learning_rate");
        RequirePositive(totalSteps, "total_steps");
        if (!(pctStart > 0 && pctStart < 1))
            throw new ArgumentOutOfRangeException(nameof(pctStart), $"Received an invalid value for `pct_start`, expected a number in (0, 1). Received: pct_start={pctStart}");
        RequirePositive(divFactor, "div_factor");
        RequirePositive(finalDivFactor, "final_div_factor");
        MaxLearningRate = maxLearningRate;
        TotalSteps = totalSteps;
        PctStart = pctStart;
        DivFactor = divFactor;
        FinalDivFactor = finalDivFactor;
    }

    public double MaxLearningRate { get; }
    public long TotalSteps { get; }
    public double PctStart { get; }
    public double DivFactor { get; }
    public double FinalDivFactor { get; }
    public double InitialLearningRate => MaxLearningRate / DivFactor;
    public double FinalLearningRate => InitialLearningRate / FinalDivFactor;
    public override string Name => "OneCycle";

    public override float Rate(long step)
    {
        // PyTorch's phase ends: the peak at step pctStart * total - 1, the minimum at step total - 1.
        double peak = PctStart * TotalSteps - 1, end = TotalSteps - 1;
        double s = Math.Min(step, end);
        if (s <= peak) return (float)Anneal(InitialLearningRate, MaxLearningRate, peak <= 0 ? 1 : s / peak);
        return (float)Anneal(MaxLearningRate, FinalLearningRate, (s - peak) / (end - peak));
    }

    private static double Anneal(double start, double end, double fraction) => end + (start - end) / 2 * (Math.Cos(Math.PI * fraction) + 1);

    protected override Dictionary<string, object?> Config() => new()
    {
        ["max_learning_rate"] = MaxLearningRate, ["total_steps"] = TotalSteps, ["pct_start"] = PctStart,
        ["div_factor"] = DivFactor, ["final_div_factor"] = FinalDivFactor,
    };
}
