namespace Tailor.Optimizers.Schedules;

/// <summary>
/// Keras's ExponentialDecay: initial * rate^(step / decaySteps); with <c>staircase</c> the exponent
/// is floored, which is the classic step decay ("multiply by rate every decaySteps steps").
/// </summary>
public sealed class ExponentialDecay : LearningRateSchedule
{
    public ExponentialDecay(double initialLearningRate, long decaySteps, double decayRate, bool staircase = false)
    {
        RequirePositive(initialLearningRate, "initial_learning_rate");
        RequirePositive(decaySteps, "decay_steps");
        RequirePositive(decayRate, "decay_rate");
        InitialLearningRate = initialLearningRate;
        DecaySteps = decaySteps;
        DecayRate = decayRate;
        Staircase = staircase;
    }

    public double InitialLearningRate { get; }
    public long DecaySteps { get; }
    public double DecayRate { get; }
    public bool Staircase { get; }
    public override string Name => "ExponentialDecay";

    public override float Rate(long step)
    {
        double p = (double)step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return (float)(InitialLearningRate * Math.Pow(DecayRate, p));
    }

    protected override Dictionary<string, object?> Config() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate, ["decay_steps"] = DecaySteps, ["decay_rate"] = DecayRate, ["staircase"] = Staircase,
    };
}
