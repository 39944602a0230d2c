using System.Runtime.CompilerServices;
namespace Tailor.Optimizers.Schedules;

/// <summary>
/// Keras's PiecewiseConstantDecay: values[0] up to and including boundaries[0], values[i] while
/// boundaries[i-1] &lt; step &lt;= boundaries[i], the last value after the last boundary.
/// </summary>
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly long[] _boundaries;
    private readonly double[] _values;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public PiecewiseConstantDecay(IReadOnlyList<long> boundaries, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != boundaries.Count + 1)
            throw new ArgumentException($"PiecewiseConstantDecay needs one more value than boundaries, received {boundaries.Count} boundaries and {values.Count} values.");
        for (int i = 1; i < boundaries.Count; i++)
            if (boundaries[i] <= boundaries[i - 1])
                throw new ArgumentException($"PiecewiseConstantDecay boundaries must increase, received [{string.Join(", ", boundaries)}].");
        foreach (var v in values) RequirePositive(v, "values");
        _boundaries = boundaries.ToArray();
        _values = values.ToArray();
    }

    public IReadOnlyList<long> Boundaries => _boundaries;
    public IReadOnlyList<double> Values => _values;
    public override string Name => "PiecewiseConstantDecay";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override float Rate(long step)
    {
        int i = 0;
        while (i < _boundaries.Length && step > _boundaries[i]) i++;
        return (float)_values[i];
    }

    protected override Dictionary<string, object?> Config() => new() { ["boundaries"] = _boundaries, ["values"] = _values };
}
