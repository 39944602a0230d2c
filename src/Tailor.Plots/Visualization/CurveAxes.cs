namespace Tailor.Visualization;

/// <summary>
/// Fixed axes for curves drawn to be compared side by side: epochs 1 to <see cref="Epochs"/> and
/// values from <see cref="Bottom"/> to <see cref="Top"/>, so that equal heights mean equal values in every plot.
/// </summary>
public sealed record CurveAxes(int Epochs, double Bottom, double Top)
{
    /// <summary>Axes that hold every value of every series, with a little room above and below.</summary>
    public static CurveAxes Spanning(IEnumerable<IReadOnlyList<double>> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var all = series.ToList();
        var values = all.SelectMany(s => s).Where(double.IsFinite).ToList();
        if (values.Count == 0) throw new ArgumentException("Curve axes need at least one finite value.", nameof(series));
        double min = values.Min(), max = values.Max(), margin = Math.Max(max - min, 1e-6) * 0.05;
        return new CurveAxes(all.Max(s => s.Count), Math.Max(0, min - margin), max + margin);
    }
}
