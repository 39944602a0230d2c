using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tailor.Common;
using Tailor.Data;
using Tailor.Models;

namespace Tailor.Studies;

/// <summary>
/// The finished units of a long study (the trials of a search, the folds of a cross-validation), one JSON
/// file each in a folder, written atomically as each unit ends, so that a run stopped by a signal, a crash
/// or a power cut resumes from them: a unit found here is loaded instead of trained again. Every unit's
/// seed is fixed by the settings alone, never by the units before it, so a resumed run ends with exactly
/// the results of an uninterrupted one. The settings are kept beside the units (settings.json); a run
/// with other settings is refused, naming what differs, rather than mixed in.
/// </summary>
public sealed class StudyProgress
{
    public const string SettingsFileName = "settings.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly string _units;

    private StudyProgress(string directory, string units, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        Directory = directory;
        _units = units;
        Settings = settings;
    }

    /// <summary>The folder, fully qualified.</summary>
    public string Directory { get; }

    /// <summary>What the units were made with, by name (an option such as "--epochs", or "images"), in a fixed order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; }

    /// <summary>The names of the units saved so far.</summary>
    public IReadOnlyList<string> Finished =>
        System.IO.Directory.Exists(Directory)
            ? [.. System.IO.Directory.GetFiles(Directory, "*.json").Select(Path.GetFileName).Where(n => n != SettingsFileName)
                .Select(n => n![..^".json".Length]).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>
    /// The progress kept in <paramref name="directory"/> (which need not exist yet) for a study with
    /// <paramref name="settings"/>. Throws an <see cref="ArgumentException"/> naming each differing setting
    /// when the folder holds units made with other settings.
    /// </summary>
    /// <param name="directory">The folder that keeps the finished units.</param>
    /// <param name="units">What a unit is called in messages, plural: "trials", "folds".</param>
    /// <param name="settings">The study's settings, by name: a folder kept for other settings is refused.</param>
    public static StudyProgress Open(string directory, string units, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(settings);
        var progress = new StudyProgress(Path.GetFullPath(directory), units, settings);
        string path = Path.Combine(progress.Directory, SettingsFileName);
        if (!File.Exists(path))
        {
            if (progress.Finished.Count > 0)
                throw new DataFormatException(path, $"is missing, so the {units} beside it cannot be checked against this run's settings; remove '{progress.Directory}' to start afresh.");
            return progress;
        }
        Dictionary<string, string> kept;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            kept = document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new DataFormatException(path, $"is not the settings file of finished {units}: {e.Message}", e);
        }
        var differences = new List<string>();
        foreach (var (name, value) in settings)
        {
            if (!kept.TryGetValue(name, out string? before)) differences.Add($"{name}: not recorded before, {value} now");
            else if (before != value)
                differences.Add(before.Length + value.Length > 48 ? $"{name}: another value" : $"{name}: {before} before, {value} now");
        }
        differences.AddRange(kept.Keys.Where(k => !settings.Any(s => s.Key == k)).Select(k => $"{k}: {kept[k]} before, not used now"));
        if (differences.Count > 0)
            throw new ArgumentException(
                $"'{progress.Directory}' holds {progress.Finished.Count} finished {units} of a run with other settings ({string.Join("; ", differences)}). " +
                "Run with the same settings to resume from them, or remove that folder to start afresh.");
        return progress;
    }

    /// <summary>The saved unit <paramref name="name"/>, read by <paramref name="read"/>; false when there is none.</summary>
    public bool TryLoad<T>(string name, Func<JsonElement, T> read, out T value)
    {
        string path = PathOf(name);
        value = default!;
        if (!File.Exists(path)) return false;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            value = read(document.RootElement);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException)
        {
            throw new DataFormatException(path, $"is not a finished unit of this study ({ErrorText.Of(e)}); remove '{Directory}' to start afresh.", e);
        }
    }

    /// <summary>Saves unit <paramref name="name"/> atomically (and the settings, with the first unit).</summary>
    public void Save(string name, object payload)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string settings = Path.Combine(Directory, SettingsFileName);
        if (!File.Exists(settings))
            AtomicFile.WriteAllText(settings, JsonSerializer.Serialize(Settings.ToDictionary(p => p.Key, p => p.Value), Json) + "\n");
        AtomicFile.WriteAllText(PathOf(name), JsonSerializer.Serialize(payload, Json) + "\n");
    }

    /// <summary>
    /// <paramref name="payload"/> as a unit file holds it, in UTF-8 without indentation: the record a unit
    /// computed elsewhere is sent as (<see cref="Distribution.UnitScheduler"/>). Doubles keep every bit.
    /// </summary>
    public static byte[] Record(object payload) => JsonSerializer.SerializeToUtf8Bytes(payload, Compact);

    private static readonly JsonSerializerOptions Compact = new(Json) { WriteIndented = false };

    /// <summary>Removes the folder: the study has ended and its results are written.</summary>
    public void Delete()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(Directory, name + ".json");

    /// <summary>A short SHA-256 of the images and labels of <paramref name="sets"/>: another data folder or sample gives another one.</summary>
    public static string Fingerprint(params LabeledTensors[] sets)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var set in sets)
        {
            hash.AppendData(MemoryMarshal.AsBytes(set.Images.Span));
            hash.AppendData(MemoryMarshal.AsBytes(set.Labels.AsSpan()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    /// <summary>A History as a unit file holds it: epochs, seconds and every value in round-trip precision.</summary>
    public static object HistoryPayload(History history) => new Dictionary<string, object?>
    {
        ["epochs"] = history.Epochs, ["seconds"] = history.EpochSeconds, ["values"] = history.Values,
    };

    /// <summary>Reads what <see cref="HistoryPayload"/> wrote.</summary>
    public static History ReadHistory(JsonElement element)
    {
        var epochs = element.GetProperty("epochs").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var seconds = element.GetProperty("seconds").EnumerateArray().Select(ReadDouble).ToArray();
        var values = element.GetProperty("values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(ReadDouble).ToArray());
        if (seconds.Length != epochs.Length || values.Values.Any(v => v.Length != epochs.Length))
            throw new FormatException("the history's columns have different lengths");
        var history = new History();
        for (int i = 0; i < epochs.Length; i++)
            history.Add(epochs[i], values.ToDictionary(p => p.Key, p => p.Value[i]), seconds[i]);
        return history;
    }

    /// <summary>A number as the unit files write it: NaN and the infinities as strings.</summary>
    public static double ReadDouble(JsonElement element) => element.ValueKind == JsonValueKind.String
        ? double.Parse(element.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture)
        : element.GetDouble();
}
