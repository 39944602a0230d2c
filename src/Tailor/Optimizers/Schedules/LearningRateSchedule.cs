namespace Tailor.Optimizers.Schedules;

/// <summary>
/// Keras's LearningRateSchedule: the learning rate as a function of the optimizer step (0 for the
/// first update). Set it as <see cref="Optimizer.Schedule"/>; the optimizer reads it before every step.
/// Values are computed in double precision and rounded once to float.
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>Keras's class name ("ExponentialDecay", "CosineDecay", ...).</summary>
    public abstract string Name { get; }

    public abstract float Rate(long step);

    /// <summary>Keras's form: {"class_name": ..., "config": {...}}.</summary>
    public Dictionary<string, object?> GetConfig() => new() { ["class_name"] = Name, ["config"] = Config() };

    protected abstract Dictionary<string, object?> Config();

    protected static void RequirePositive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, $"Received an invalid value for `{name}`, expected a positive number. Received: {name}={value}");
    }

    protected static void RequireNonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, $"Received an invalid value for `{name}`, expected a non-negative number. Received: {name}={value}");
    }
}
