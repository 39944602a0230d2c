using System.Text.Json;
using Tailor.Optimizers.Schedules;

namespace Tailor.Serialization;

/// <summary>
/// Rebuilds a learning-rate schedule from the Keras form <see cref="LearningRateSchedule.GetConfig"/> writes
/// ({"class_name": "CosineDecay", "config": {...}}), which an optimizer's config holds as its learning_rate.
/// </summary>
internal static class ScheduleConfig
{
    /// <summary>The most boundaries a PiecewiseConstantDecay read from a file may hold: far more than any run's epochs.</summary>
    private const int MaxBoundaries = 10_000;

    public static LearningRateSchedule Create(JsonElement element, string path)
    {
        string name = element.TryGetProperty("class_name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
        if (!element.TryGetProperty("config", out var c) || c.ValueKind != JsonValueKind.Object)
            throw Error(path, $"the learning-rate schedule '{name}' has no 'config' object.");
        try
        {
            return name switch
            {
                "CosineDecay" => new CosineDecay(Number(c, "initial_learning_rate", path), Steps(c, "decay_steps", path), Number(c, "alpha", path, 0),
                    c.TryGetProperty("warmup_target", out var t) && t.ValueKind != JsonValueKind.Null ? Number(c, "warmup_target", path) : null,
                    Steps(c, "warmup_steps", path, 0)),
                "ExponentialDecay" => new ExponentialDecay(Number(c, "initial_learning_rate", path), Steps(c, "decay_steps", path), Number(c, "decay_rate", path),
                    c.TryGetProperty("staircase", out var s) && s.ValueKind == JsonValueKind.True),
                "OneCycle" => new OneCycle(Number(c, "max_learning_rate", path), Steps(c, "total_steps", path), Number(c, "pct_start", path, 0.3),
                    Number(c, "div_factor", path, 25), Number(c, "final_div_factor", path, 1e4)),
                "PiecewiseConstantDecay" => new PiecewiseConstantDecay(
                    [.. Array(c, "boundaries", path).Select(b => b.TryGetInt64(out long v) ? v : throw Error(path, "expected the schedule's 'boundaries' to be integers."))],
                    [.. Array(c, "values", path).Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Error(path, "expected the schedule's 'values' to be numbers."))]),
                _ => throw Error(path, $"unknown learning-rate schedule '{name}'. Known schedules: CosineDecay, ExponentialDecay, OneCycle, PiecewiseConstantDecay."),
            };
        }
        catch (ArgumentException e) { throw Error(path, $"learning-rate schedule '{name}': {e.Message}"); }
    }

    private static double Number(JsonElement config, string key, string path, double? fallback = null)
    {
        if (!config.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return fallback ?? throw Error(path, $"the learning-rate schedule has no '{key}'.");
        if (v.ValueKind == JsonValueKind.Number && double.IsFinite(v.GetDouble())) return v.GetDouble();
        throw Error(path, $"expected the schedule's '{key}' to be a finite number.");
    }

    private static long Steps(JsonElement config, string key, string path, long? fallback = null)
    {
        if (!config.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return fallback ?? throw Error(path, $"the learning-rate schedule has no '{key}'.");
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long steps)) return steps;
        throw Error(path, $"expected the schedule's '{key}' to be a whole number of steps.");
    }

    private static JsonElement[] Array(JsonElement config, string key, string path)
    {
        if (!config.TryGetProperty(key, out var v) || v.ValueKind != JsonValueKind.Array || v.GetArrayLength() > MaxBoundaries + 1)
            throw Error(path, $"expected the schedule's '{key}' to be a list of at most {MaxBoundaries + 1:N0} numbers.");
        return [.. v.EnumerateArray()];
    }

    private static ModelFormatException Error(string path, string problem) => new(path, problem);
}
