namespace Tailor.Optimizers.Schedules;

/// <summary>
/// Keras's CosineDecay with optional linear warmup. Without warmup:
/// initial * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decaySteps) / decaySteps)) + alpha).
/// With a warmup target, the rate climbs linearly from initial to the target over warmupSteps,
/// then decays from the target as above, counting steps from the end of the warmup.
/// </summary>
public sealed class CosineDecay : LearningRateSchedule
{
    public CosineDecay(double initialLearningRate, long decaySteps, double alpha = 0, double? warmupTarget = null, long warmupSteps = 0)
    {
        RequireNonNegative(initialLearningRate, "initial_learning_rate");
        RequirePositive(decaySteps, "decay_steps");
        if (!(alpha >= 0 && alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), $"Received an invalid value for `alpha`, expected a number in [0, 1]. Received: alpha={alpha}");
        if (warmupTarget is double t) RequirePositive(t, "warmup_target");
        RequireNonNegative(warmupSteps, "warmup_steps");
        if (warmupTarget == null && initialLearningRate == 0)
            throw new ArgumentOutOfRangeException(nameof(initialLearningRate), "CosineDecay without warmup needs a positive initial_learning_rate, received 0.");
        InitialLearningRate = initialLearningRate;
        DecaySteps = decaySteps;
        Alpha = alpha;
        WarmupTarget = warmupTarget;
        WarmupSteps = warmupTarget == null ? 0 : warmupSteps;
    }

    public double InitialLearningRate { get; }
    public long DecaySteps { get; }
    public double Alpha { get; }
    public double? WarmupTarget { get; }
    public long WarmupSteps { get; }
    public override string Name => "CosineDecay";

    public override float Rate(long step)
    {
        if (WarmupTarget is not double target) return (float)Decayed(InitialLearningRate, step);
        if (step < WarmupSteps)
            return (float)(InitialLearningRate + (target - InitialLearningRate) * step / WarmupSteps);
        return (float)Decayed(target, step - WarmupSteps);
    }

    private double Decayed(double from, long step)
    {
        double fraction = (double)Math.Min(step, DecaySteps) / DecaySteps;
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * fraction));
        return from * ((1 - Alpha) * cosine + Alpha);
    }

    protected override Dictionary<string, object?> Config() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate, ["decay_steps"] = DecaySteps, ["alpha"] = Alpha,
        ["warmup_target"] = WarmupTarget, ["warmup_steps"] = WarmupSteps,
    };
}
