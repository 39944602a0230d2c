using System.Globalization;
using System.Text.RegularExpressions;
using Tailor.Models;

namespace Tailor.Callbacks;

/// <summary>
/// Keras's ModelCheckpoint: saves the weights at the end of every epoch, or only when the monitored
/// quantity beats the best so far (saveBestOnly). The path may hold Keras's placeholders, filled per
/// epoch: "{epoch:02d}" (1-based) and any logged value, "{val_loss:.4f}". How the weights are written
/// is the <c>save</c> delegate's business (default: <see cref="WeightsFile.Write"/>), so another
/// format can be swapped in.
/// </summary>
public sealed partial class ModelCheckpoint : Callback
{
    private readonly MonitoredQuantity _monitor;
    private readonly Action<Model, string> _save;
    private readonly double? _initialValueThreshold;

    public ModelCheckpoint(string filepath, string monitor = "val_loss", bool saveBestOnly = false, MonitorMode mode = MonitorMode.Auto,
        double? initialValueThreshold = null, Action<Model, string>? save = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(filepath);
        Filepath = filepath;
        _monitor = new MonitoredQuantity(monitor, mode, 0, nameof(ModelCheckpoint));
        SaveBestOnly = saveBestOnly;
        _initialValueThreshold = initialValueThreshold;
        _save = save ?? WeightsFile.Write;
    }

    public string Filepath { get; }
    public string MonitorName => _monitor.Name;
    public bool SaveBestOnly { get; }

    /// <summary>The best monitored value seen (saveBestOnly), or null.</summary>
    public double? BestValue { get; private set; }

    /// <summary>The epoch (1-based) of the last save, or 0.</summary>
    public int LastSavedEpoch { get; private set; }

    /// <summary>Every file written, in order, with its epoch (1-based).</summary>
    public List<(int Epoch, string Path)> Saved { get; } = [];

    public override void OnTrainBegin(TrainingInfo info)
    {
        BestValue = _initialValueThreshold;
        LastSavedEpoch = 0;
        Saved.Clear();
    }

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (SaveBestOnly)
        {
            double current = _monitor.Read(logs);
            if (BestValue is double best && !_monitor.Improves(current, best)) return;
            BestValue = current;
        }
        string path = FormatPath(Filepath, epoch + 1, logs);
        _save(Model!, path);
        LastSavedEpoch = epoch + 1;
        Saved.Add((epoch + 1, path));
    }

    /// <summary>Fills "{epoch}", "{epoch:02d}", "{val_loss:.4f}" and the like, as Python's str.format does for these specs.</summary>
    public static string FormatPath(string pattern, int epoch, IReadOnlyDictionary<string, double> logs) =>
        Placeholder().Replace(pattern, m =>
        {
            string key = m.Groups[1].Value, spec = m.Groups[2].Value;
            if (key == "epoch") return FormatValue(epoch, spec, pattern);
            if (logs.TryGetValue(key, out double value)) return FormatValue(value, spec, pattern);
            throw new ArgumentException($"ModelCheckpoint path '{pattern}' names '{{{key}}}', which is not logged. Available: epoch, {string.Join(", ", logs.Keys)}.");
        });

    private static string FormatValue(double value, string spec, string pattern)
    {
        var inv = CultureInfo.InvariantCulture;
        if (spec.Length == 0) return value == Math.Floor(value) && Math.Abs(value) < 1e15 ? ((long)value).ToString(inv) : value.ToString("R", inv);
        var m = Spec().Match(spec);
        if (!m.Success)
            throw new ArgumentException($"ModelCheckpoint path '{pattern}' has the format '{spec}'; supported: d, 0Nd, .Nf, .Ne.");
        int width = m.Groups["width"].Success ? int.Parse(m.Groups["width"].Value, inv) : 0;
        int digits = m.Groups["digits"].Success ? int.Parse(m.Groups["digits"].Value, inv) : 6;
        string text = m.Groups["kind"].Value switch
        {
            "d" => ((long)Math.Round(value)).ToString(inv),
            "f" => value.ToString("F" + digits, inv),
            _ => value.ToString((digits == 0 ? "0" : "0." + new string('0', digits)) + "e+00", inv),
        };
        return m.Groups["zero"].Success ? text.PadLeft(width, '0') : text.PadLeft(width);
    }

    [GeneratedRegex(@"\{(\w+)(?::([^}]*))?\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^(?<zero>0)?(?<width>\d+)?(?:\.(?<digits>\d+))?(?<kind>[dfe])$")]
    private static partial Regex Spec();
}
