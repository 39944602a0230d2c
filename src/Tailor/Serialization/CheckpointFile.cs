using System.Text.Json;
using Tailor.Models;
using Tailor.Models.Training;

namespace Tailor.Serialization;

/// <summary>A checkpoint read back: the compiled model with its optimizer state, and where and how to go on.</summary>
public sealed record TrainingCheckpoint(
    string Path, Model Model, TrainingState State, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// A training checkpoint is a model file (<see cref="ModelFile"/>, optimizer state included) whose
/// metadata also holds, under "checkpoint", the epoch to resume at, the position inside it when
/// training was interrupted mid-epoch, every random stream's state and the History so far. Files are
/// named checkpoint-eEEEE-sSSSSS.safetensors (epoch to resume at, step inside it), written atomically,
/// so every file present is complete and the last in name order is the latest.
/// </summary>
public static class CheckpointFile
{
    public const string CheckpointKey = "checkpoint";
    private const string Prefix = "checkpoint-e";
    private const string Extension = ".safetensors";

    public static string FileName(int epoch, int step) => $"{Prefix}{epoch:D4}-s{step:D5}{Extension}";

    /// <summary>Writes a checkpoint into <paramref name="directory"/> and returns its path.</summary>
    public static string Write(string directory, Model model, TrainingState progress,
        IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var rng = progress.Rng;
        var history = progress.History;
        var state = new Dictionary<string, object?>
        {
            ["initial_epoch"] = progress.Epoch,
            ["step"] = progress.Step,
            ["order"] = progress.Order,
            ["loss_sum"] = progress.LossSum,
            ["metrics"] = progress.Metrics,
            ["rng"] = new Dictionary<string, object?> { ["shuffle"] = rng.Shuffle, ["layers"] = rng.Layers },
            ["history"] = new Dictionary<string, object?>
            {
                ["epochs"] = history.Epochs, ["seconds"] = history.EpochSeconds, ["values"] = history.Values,
            },
        };
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>())
        {
            [CheckpointKey] = JsonSerializer.Serialize(state),
        };
        string path = System.IO.Path.Combine(directory, FileName(progress.Epoch, progress.Step));
        ModelFile.Save(model, path, includeOptimizer: true, metadata);
        return path;
    }

    /// <summary>
    /// Deletes the checkpoints of <paramref name="directory"/> older than its latest <paramref name="keep"/>
    /// (by name, which orders them by epoch and step) and returns their paths. Only files named exactly as
    /// <see cref="FileName"/> names them are considered; anything else in the folder is left alone.
    /// </summary>
    public static IReadOnlyList<string> Prune(string directory, int keep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        var older = List(directory).Where(f => NamePattern.IsMatch(System.IO.Path.GetFileName(f))).Skip(keep).ToList();
        foreach (string file in older) File.Delete(file);
        return older;
    }

    private static readonly System.Text.RegularExpressions.Regex NamePattern = new(@"^checkpoint-e[0-9]{4,}-s[0-9]{5,}\.safetensors$");

    /// <summary>Checkpoint files in <paramref name="directory"/>, latest first (a longer name holds a larger epoch: e10000 follows e9999).</summary>
    public static IReadOnlyList<string> List(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, Prefix + "*" + Extension).Select(f => (Path: f, Name: System.IO.Path.GetFileName(f)))
                .OrderByDescending(f => f.Name.Length).ThenByDescending(f => f.Name, StringComparer.Ordinal).Select(f => f.Path).ToList()
            : [];

    /// <summary>
    /// The latest checkpoint in <paramref name="directory"/> that reads back whole; earlier ones stand in for a
    /// damaged latest, each skipped one reported to <paramref name="warn"/>. When none reads back, the latest's
    /// problem is thrown alone (no warnings: the error says it). An entry with a checkpoint's name that is
    /// not a regular file (a FIFO, a device, a folder) is refused with an <see cref="Common.InputFileException"/>
    /// rather than passed over.
    /// </summary>
    public static TrainingCheckpoint ReadLatest(string directory, Action<string>? warn = null)
    {
        var files = List(directory);
        if (files.Count == 0)
            throw new FileNotFoundException($"No checkpoint ({Prefix}*{Extension}) in '{System.IO.Path.GetFullPath(directory)}'. Train with --checkpoint-every N to write some.");
        var skipped = new List<ModelFormatException>();
        foreach (string file in files)
        {
            try
            {
                var checkpoint = Read(file);
                foreach (var e in skipped) warn?.Invoke($"Skipping damaged checkpoint: {e.Message}");
                return checkpoint;
            }
            catch (ModelFormatException e) { skipped.Add(e); }
        }
        throw skipped[0];
    }

    public static TrainingCheckpoint Read(string path) => Read(SafeTensors.Read(path, "a checkpoint"), path);

    /// <summary>Reads a checkpoint from the bytes of its file; <paramref name="path"/> only names it in errors.</summary>
    public static TrainingCheckpoint Read(ReadOnlySpan<byte> bytes, string path) => Read(SafeTensors.Read(bytes, path), path);

    private static TrainingCheckpoint Read(SafeTensorsContent content, string path)
    {
        var model = ModelFile.LoadModel(content, path);
        if (model.Optimizer == null)
            throw new ModelFormatException(path, "a checkpoint must hold the compile settings, found a model without them.");
        if (!content.Metadata.TryGetValue(CheckpointKey, out string? json))
            throw new ModelFormatException(path, $"no '{CheckpointKey}' in the metadata: a model file, not a checkpoint.");
        using var document = ModelFile.ParseJson(json, path, CheckpointKey);
        try
        {
            var root = document.RootElement;
            int epoch = root.GetProperty("initial_epoch").GetInt32();
            int step = root.GetProperty("step").GetInt32();
            if (epoch is < 0 or > MaxEpoch) throw new FormatException($"initial_epoch is {epoch}, expected 0 to {MaxEpoch:N0}");
            var order = root.GetProperty("order").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            if (step < 0 || step > order.Length) throw new FormatException($"step is {step}, expected 0 to {order.Length}, the samples of the stored order");
            double lossSum = root.GetProperty("loss_sum").GetDouble();
            if (!double.IsFinite(lossSum) || lossSum < 0) throw new FormatException($"loss_sum is {lossSum}, expected a finite number, 0 or more");
            var metrics = ReadMetricSums(root.GetProperty("metrics"), model, step);
            var rng = root.GetProperty("rng");
            var shuffle = Words(rng.GetProperty("shuffle"));
            var layers = rng.GetProperty("layers").EnumerateObject().ToDictionary(p => p.Name, p => Words(p.Value));
            var history = ReadHistory(root.GetProperty("history"));
            if (history.Epochs.Count != epoch)
                throw new FormatException($"the history has {history.Epochs.Count} epochs, the checkpoint resumes at epoch {epoch + 1}");
            if (step > 0 && WhyNotAPermutation(order) is string why)
                throw new FormatException($"the sample order is not a permutation of the sample indices: {why}");
            var state = new TrainingState(epoch, step, step > 0 ? order : [], step > 0 ? lossSum : 0, metrics, new TrainingRngState(shuffle, layers), history);
            return new TrainingCheckpoint(path, model, state, content.Metadata);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new ModelFormatException(path, $"the checkpoint state is malformed: {e.Message}.", e);
        }
    }

    /// <summary>The largest epoch a checkpoint may resume at (and so the most epochs its History may hold).</summary>
    public const int MaxEpoch = 1_000_000;

    /// <summary>Null when <paramref name="order"/> holds each of 0 .. n-1 once; otherwise the first index out of range or repeated.</summary>
    public static string? WhyNotAPermutation(ReadOnlySpan<int> order)
    {
        if (order.Length == 0) return "it is empty";
        var seen = new bool[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            int index = order[i];
            if ((uint)index >= (uint)order.Length) return $"position {i} holds {index}, outside 0 to {order.Length - 1}";
            if (seen[index]) return $"index {index} appears twice (again at position {i})";
            seen[index] = true;
        }
        return null;
    }

    /// <summary>
    /// The metric sums of the epoch in progress: mid-epoch, one finite, non-negative entry of the right length
    /// per compiled metric (what the resumed epoch adds to).
    /// </summary>
    private static Dictionary<string, double[]> ReadMetricSums(JsonElement element, Model model, int step)
    {
        var sums = element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray());
        foreach (var (name, values) in sums)
            foreach (double v in values)
                if (!double.IsFinite(v) || v < 0) throw new FormatException($"metric '{name}' holds {v}, expected finite sums, 0 or more");
        if (step == 0) return sums;
        foreach (var metric in model.Metrics)
        {
            if (!sums.TryGetValue(metric.Name, out var values)) throw new FormatException($"metrics has no sums of '{metric.Name}', a metric the model is compiled with");
            try { metric.CloneEmpty().Restore(values); }
            catch (ArgumentException e) { throw new FormatException($"metric '{metric.Name}': {e.Message}"); }
        }
        return sums;
    }

    private static ulong[] Words(JsonElement array)
    {
        var words = array.EnumerateArray().Select(e => e.GetUInt64()).ToArray();
        if (words.Length != 4 || words.All(w => w == 0)) throw new FormatException("a random state must be 4 words, not all zero");
        return words;
    }

    private static History ReadHistory(JsonElement element)
    {
        var epochs = element.GetProperty("epochs").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var seconds = element.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var values = element.GetProperty("values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetDouble()).ToArray());
        if (seconds.Length != epochs.Length || values.Values.Any(v => v.Length != epochs.Length))
            throw new FormatException("the history's columns have different lengths");
        for (int i = 0; i < epochs.Length; i++)
            if (epochs[i] != i + 1) throw new FormatException($"the history's epoch {i + 1} is numbered {epochs[i]}");
        if (seconds.Any(t => !double.IsFinite(t) || t < 0)) throw new FormatException("the history holds a time that is not a finite number of seconds, 0 or more");
        if (values.Values.Any(v => v.Any(x => !double.IsFinite(x)))) throw new FormatException("the history holds a value that is not a finite number");
        var history = new History();
        for (int i = 0; i < epochs.Length; i++)
            history.Add(epochs[i], values.ToDictionary(p => p.Key, p => p.Value[i]), seconds[i]);
        return history;
    }
}
