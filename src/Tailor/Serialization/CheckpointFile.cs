using System.Text.Json;
using Tailor.Models;

namespace Tailor.Serialization;

/// <summary>A checkpoint read back: the compiled model with its optimizer state, and where and how to go on.</summary>
public sealed record TrainingCheckpoint(
    string Path, Sequential Model, int InitialEpoch, FitProgress? Progress, TrainingRngState Rng, History History,
    IReadOnlyDictionary<string, string> Metadata);

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
    public static string Write(string directory, Sequential model, History history, FitProgress progress,
        IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var rng = model.CaptureTrainingRngState();
        var state = new Dictionary<string, object?>
        {
            ["initial_epoch"] = progress.Epoch,
            ["step"] = progress.Step,
            ["order"] = progress.Order,
            ["loss_sum"] = progress.LossSum,
            ["correct"] = progress.Correct,
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

    /// <summary>Checkpoint files in <paramref name="directory"/>, latest first.</summary>
    public static IReadOnlyList<string> List(string directory) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, Prefix + "*" + Extension).OrderByDescending(f => System.IO.Path.GetFileName(f), StringComparer.Ordinal).ToList()
            : [];

    /// <summary>
    /// The latest checkpoint in <paramref name="directory"/> that reads back whole; earlier ones stand in for a
    /// damaged latest. An entry with a checkpoint's name that is not a regular file (a FIFO, a device, a
    /// folder) is refused with an <see cref="Common.InputFileException"/> rather than passed over.
    /// </summary>
    public static TrainingCheckpoint ReadLatest(string directory, Action<string>? warn = null)
    {
        var files = List(directory);
        if (files.Count == 0)
            throw new FileNotFoundException($"No checkpoint ({Prefix}*{Extension}) in '{System.IO.Path.GetFullPath(directory)}'. Train with --checkpoint-every N to write some.");
        ModelFormatException? first = null;
        foreach (string file in files)
        {
            try { return Read(file); }
            catch (ModelFormatException e)
            {
                first ??= e;
                warn?.Invoke($"Skipping damaged checkpoint: {e.Message}");
            }
        }
        throw first!;
    }

    public static TrainingCheckpoint Read(string path) => Read(SafeTensors.Read(path, "a checkpoint"), path);

    /// <summary>Reads a checkpoint from the bytes of its file; <paramref name="path"/> only names it in errors.</summary>
    public static TrainingCheckpoint Read(ReadOnlySpan<byte> bytes, string path) => Read(SafeTensors.Read(bytes, path), path);

    private static TrainingCheckpoint Read(SafeTensorsContent content, string path)
    {
        var model = ModelFile.Load(content, path);
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
            if (epoch < 0 || step < 0) throw new FormatException("negative epoch or step");
            var order = root.GetProperty("order").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            double lossSum = root.GetProperty("loss_sum").GetDouble();
            long correct = root.GetProperty("correct").GetInt64();
            var rng = root.GetProperty("rng");
            var shuffle = Words(rng.GetProperty("shuffle"));
            var layers = rng.GetProperty("layers").EnumerateObject().ToDictionary(p => p.Name, p => Words(p.Value));
            var history = ReadHistory(root.GetProperty("history"));
            if (history.Epochs.Count != epoch)
                throw new FormatException($"the history has {history.Epochs.Count} epochs, the checkpoint resumes at epoch {epoch + 1}");
            var progress = step > 0 ? new FitProgress(epoch, step, order, lossSum, correct) : null;
            if (progress != null && (order.Length == 0 || order.Any(i => i < 0 || i >= order.Length)))
                throw new FormatException("the sample order is not a permutation");
            return new TrainingCheckpoint(path, model, epoch, progress, new TrainingRngState(shuffle, layers), history, content.Metadata);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new ModelFormatException(path, $"the checkpoint state is malformed: {e.Message}.", e);
        }
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
        var history = new History();
        for (int i = 0; i < epochs.Length; i++)
            history.Add(epochs[i], values.ToDictionary(p => p.Key, p => p.Value[i]), seconds[i]);
        return history;
    }
}
