namespace Tailor.Models;

/// <summary>What <c>Sequential.Fit</c> recorded per epoch: Keras's keys (loss, accuracy, val_loss, val_accuracy) and the seconds each epoch took.</summary>
public sealed class History
{
    private readonly Dictionary<string, List<double>> _values = [];

    public IReadOnlyDictionary<string, List<double>> Values => _values;

    /// <summary>Epoch numbers, 1-based as Keras prints them.</summary>
    public List<int> Epochs { get; } = [];

    public List<double> EpochSeconds { get; } = [];

    public IReadOnlyList<double> this[string key] =>
        _values.TryGetValue(key, out var v) ? v
        : throw new KeyNotFoundException($"History has no '{key}'. Available: {string.Join(", ", _values.Keys)}.");

    public bool Contains(string key) => _values.ContainsKey(key);

    public void Add(int epoch, IReadOnlyDictionary<string, double> logs, double seconds)
    {
        Epochs.Add(epoch);
        EpochSeconds.Add(seconds);
        foreach (var (key, value) in logs)
        {
            if (!_values.TryGetValue(key, out var list)) _values[key] = list = [];
            list.Add(value);
        }
    }

    /// <summary>Drops epochs after <paramref name="count"/> (used when training resumes from a checkpoint).</summary>
    public void Truncate(int count)
    {
        if (Epochs.Count > count) { Epochs.RemoveRange(count, Epochs.Count - count); EpochSeconds.RemoveRange(count, EpochSeconds.Count - count); }
        foreach (var list in _values.Values) if (list.Count > count) list.RemoveRange(count, list.Count - count);
    }

    /// <summary>CSV with a header "epoch,key1,key2,...", values in round-trip precision.</summary>
    public string ToCsv()
    {
        var keys = _values.Keys.ToList();
        var sb = new System.Text.StringBuilder("epoch," + string.Join(",", keys) + ",seconds\n");
        for (int i = 0; i < Epochs.Count; i++)
        {
            sb.Append(Epochs[i]);
            foreach (var k in keys) sb.Append(',').Append(_values[k][i].ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            sb.Append(',').Append(EpochSeconds[i].ToString("F3", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }
}
