using System.Text.Json;
using Tailor.Initializers;
using Tailor.Kernels;
using Tailor.Regularizers;

namespace Tailor.Serialization;

/// <summary>
/// A layer's config object from a model file, read with Keras's names. A missing key takes the
/// layer's default where it has one; a value of the wrong kind is a <see cref="ModelFormatException"/>
/// naming the file, the layer and the key.
/// </summary>
public sealed class LayerConfig
{
    private readonly JsonElement _config;
    private readonly string _path;

    public LayerConfig(string className, JsonElement config, string path)
    {
        ClassName = className;
        _path = path;
        if (config.ValueKind != JsonValueKind.Object) throw Error($"expected the config of a {className} layer to be an object, found {config.ValueKind}.");
        _config = config;
    }

    public string ClassName { get; }

    public string? Name => String("name", null);

    private bool TryGet(string key, out JsonElement value) =>
        _config.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null;

    public bool Has(string key) => TryGet(key, out _);

    /// <summary>A size (units, filters, kernel side): at most 65,536, so that a damaged file cannot ask for gigabytes.</summary>
    public int Size(string key)
    {
        int n = Int(key);
        if (n is < 1 or > MaxSize) throw Error($"expected '{key}' to be 1 to {MaxSize}, found {n}.");
        return n;
    }

    /// <summary>The layers' own limit (<see cref="Common.Guard.MaxSize"/>): a loaded config is held to the constructor's range.</summary>
    public const int MaxSize = Common.Guard.MaxSize;

    public int Int(string key, int? fallback = null)
    {
        if (!TryGet(key, out var v)) return fallback ?? throw Missing(key);
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
        throw Wrong(key, "an integer", v);
    }

    public float Float(string key, float? fallback = null)
    {
        if (!TryGet(key, out var v)) return fallback ?? throw Missing(key);
        if (v.ValueKind == JsonValueKind.Number && v.TryGetSingle(out float f) && float.IsFinite(f)) return f;
        throw Wrong(key, "a finite number", v);
    }

    public ulong? ULong(string key)
    {
        if (!TryGet(key, out var v)) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetUInt64(out ulong u)) return u;
        throw Wrong(key, "a non-negative integer", v);
    }

    public bool Bool(string key, bool fallback)
    {
        if (!TryGet(key, out var v)) return fallback;
        return v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => throw Wrong(key, "true or false", v) };
    }

    public string? String(string key, string? fallback)
    {
        if (!TryGet(key, out var v)) return fallback;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Wrong(key, "a string", v);
    }

    /// <summary>A pair such as kernel_size [3, 3], each 1 to 65,536; Keras also accepts a single integer.</summary>
    public (int Height, int Width) Pair(string key, (int, int)? fallback = null)
    {
        if (!TryGet(key, out var v)) return fallback ?? throw Missing(key);
        int h, w;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n)) (h, w) = (n, n);
        else if (!(v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 2
            && v[0].ValueKind == JsonValueKind.Number && v[0].TryGetInt32(out h)
            && v[1].ValueKind == JsonValueKind.Number && v[1].TryGetInt32(out w)))
            throw Wrong(key, "an integer or a pair of integers", v);
        if (h is < 1 or > MaxSize || w is < 1 or > MaxSize) throw Error($"expected '{key}' to be 1 to {MaxSize} (or a pair of such), found {v.GetRawText()}.");
        return (h, w);
    }

    /// <summary>A 1D size (kernel_size, strides, dilation_rate, pool_size), 1 to 65,536: Keras writes a one-element list such as [5] and accepts an integer.</summary>
    public int Single(string key, int? fallback = null)
    {
        if (!TryGet(key, out var v)) return fallback ?? throw Missing(key);
        int n;
        if (!(v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out n))
            && !(v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 1 && v[0].ValueKind == JsonValueKind.Number && v[0].TryGetInt32(out n)))
            throw Wrong(key, "an integer or a list of one integer", v);
        if (n is < 1 or > MaxSize) throw Error($"expected '{key}' to be 1 to {MaxSize}, found {n}.");
        return n;
    }

    /// <summary>A per-sample shape such as Reshape's target_shape: 1 to 8 integers of at most <see cref="MaxShapeValues"/> values in all (the layer checks the rest).</summary>
    public int[] Shape(string key)
    {
        if (!TryGet(key, out var v)) throw Missing(key);
        if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() is >= 1 and <= 8)
        {
            var dims = new int[v.GetArrayLength()];
            bool ok = true;
            long values = 1;
            for (int i = 0; i < dims.Length && ok; i++)
            {
                ok = v[i].ValueKind == JsonValueKind.Number && v[i].TryGetInt32(out dims[i]) && dims[i] <= MaxShapeValues;
                values *= Math.Abs((long)dims[i]);
                ok &= values <= MaxShapeValues;
            }
            if (ok) return dims;
        }
        throw Wrong(key, $"a list of 1 to 8 integers describing at most {MaxShapeValues} values", v);
    }

    public const int MaxShapeValues = 1 << 26;

    public Activation Activation(string key = "activation") => Parse(key, "linear", Activations.Parse);

    public Padding Padding(string key = "padding") => Parse(key, "valid", s => s.Trim().ToLowerInvariant() switch
    {
        "valid" => Kernels.Padding.Valid,
        "same" => Kernels.Padding.Same,
        // Only Conv1D accepts it; the other layers refuse it with their own message.
        "causal" => Kernels.Padding.Causal,
        _ => throw new ArgumentException($"Unknown padding '{s}'. Valid paddings: valid, same, causal."),
    });

    public Initializer Initializer(string key, string fallback) => Parse(key, fallback, Initializers.Initializer.Parse);

    /// <summary>Null, or Keras's form {"class_name": "L2", "config": {"l2": y}} (the bare {"l1": x, "l2": y} is read too).</summary>
    public Regularizer? Regularizer(string key)
    {
        if (!TryGet(key, out var v)) return null;
        const string expected = "null or an object {\"class_name\": \"L1\"|\"L2\"|\"L1L2\", \"config\": {\"l1\": x, \"l2\": y}}";
        if (v.ValueKind != JsonValueKind.Object) throw Wrong(key, expected, v);
        if (v.TryGetProperty("config", out var config))
        {
            if (config.ValueKind != JsonValueKind.Object) throw Wrong(key, expected, v);
            v = config;
        }
        var inner = new LayerConfig(ClassName, v, _path);
        try { return new Regularizer(inner.Float("l1", 0), inner.Float("l2", 0)); }
        catch (ArgumentException e) { throw Error($"'{key}': {e.Message}"); }
    }

    private T Parse<T>(string key, string fallback, Func<string, T> parse)
    {
        string value = String(key, fallback)!;
        try { return parse(value); }
        catch (ArgumentException e) { throw Error($"'{key}': {e.Message}"); }
    }

    internal ModelFormatException Missing(string key) => Error($"the config has no '{key}'.");

    /// <summary>
    /// Refuses another value than <paramref name="expected"/> for a key the layer is fixed to (global pooling's
    /// keepdims is false); the key may be missing.
    /// </summary>
    internal void ExpectFixed(string key, JsonElement expected)
    {
        if (TryGet(key, out var found) && !JsonElement.DeepEquals(found, expected))
            throw Error($"'{key}' must be {expected.GetRawText()} (Tailor's {ClassName} supports no other value), found {Describe(found)}.");
    }

    private ModelFormatException Wrong(string key, string expected, JsonElement found) =>
        Error($"expected '{key}' to be {expected}, found {Describe(found)}.");

    private static string Describe(JsonElement e)
    {
        string text = e.GetRawText();
        return text.Length > 40 ? text[..40] + "…" : text;
    }

    public ModelFormatException Error(string problem) => new(_path, $"{ClassName} '{SafeName}': {problem}");

    // Not Name: an error about the name itself must not recurse.
    private string SafeName => _config.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "?";
}
