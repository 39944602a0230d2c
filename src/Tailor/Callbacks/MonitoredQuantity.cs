namespace Tailor.Callbacks;

/// <summary>
/// A logged quantity that callbacks watch (Keras's monitor, mode and min_delta): reads it from an
/// epoch's logs and says whether a value beats a reference by more than minDelta.
/// </summary>
public sealed class MonitoredQuantity
{
    public MonitoredQuantity(string name, MonitorMode mode, double minDelta, string owner)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException($"{owner}: `monitor` must name a logged quantity such as val_loss.");
        Guard(minDelta, owner);
        Name = name;
        Owner = owner;
        MinDelta = Math.Abs(minDelta);
        Mode = mode != MonitorMode.Auto ? mode : InferMode(name, owner);
    }

    public string Name { get; }
    public string Owner { get; }
    /// <summary>Min or Max, never Auto.</summary>
    public MonitorMode Mode { get; }
    public double MinDelta { get; }

    /// <summary>The value a first epoch always beats.</summary>
    public double Worst => Mode == MonitorMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>Whether <paramref name="value"/> is better than <paramref name="reference"/> by more than MinDelta.</summary>
    public bool Improves(double value, double reference) =>
        Mode == MonitorMode.Min ? value + MinDelta < reference : value - MinDelta > reference;

    /// <summary>The monitored value of an epoch; throws, listing what was logged, when it is missing.</summary>
    public double Read(IReadOnlyDictionary<string, double> logs)
    {
        if (logs.TryGetValue(Name, out double value)) return value;
        throw new ArgumentException(
            $"{Owner} monitors '{Name}', which is not logged. Available: {string.Join(", ", logs.Keys)}." +
            (Name.StartsWith("val_") ? " Pass validation data (validationData or validationSplit) to Fit." : ""));
    }

    /// <summary>Keras's auto mode: losses go down, accuracies go up.</summary>
    private static MonitorMode InferMode(string name, string owner)
    {
        string metric = name.StartsWith("val_", StringComparison.Ordinal) ? name[4..] : name;
        if (metric == "loss" || metric.EndsWith("_loss", StringComparison.Ordinal) || metric.EndsWith("error", StringComparison.Ordinal)) return MonitorMode.Min;
        if (metric is "accuracy" or "acc" || metric.EndsWith("accuracy", StringComparison.Ordinal)) return MonitorMode.Max;
        // Precision, recall, F1 and AUC, whatever their average: more is better.
        if (metric.Split('_')[^1] is "precision" or "recall" or "f1" or "auc") return MonitorMode.Max;
        throw new ArgumentException($"{owner} cannot tell whether '{name}' should go up or down; pass mode: MonitorMode.Min or MonitorMode.Max.");
    }

    private static void Guard(double minDelta, string owner)
    {
        if (!double.IsFinite(minDelta))
            throw new ArgumentOutOfRangeException(nameof(minDelta), $"{owner}: `min_delta` must be a finite number, received {minDelta}.");
    }
}
