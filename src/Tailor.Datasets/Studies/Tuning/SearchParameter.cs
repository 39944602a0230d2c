using System.Globalization;
using System.Text.Json;
using Tailor.Kernels;
using Tailor.Optimizers;

namespace Tailor.Studies.Tuning;

/// <summary>
/// One key of space.json: what its values must be, and how a value sets the field of a
/// <see cref="ConvNetConfig"/>. <see cref="All"/> lists them in the fixed order in which searches draw
/// and enumerate them, whatever the order of the file.
/// </summary>
public sealed class SearchParameter
{
    private enum Kind { Integer, Number, Name }

    private readonly Kind _kind;
    private readonly double _min, _max;
    private readonly bool _maxExclusive;
    private readonly Func<ConvNetConfig, object, ConvNetConfig> _apply;

    private SearchParameter(string key, Kind kind, string description, Func<ConvNetConfig, object, ConvNetConfig> apply,
        double min = double.NegativeInfinity, double max = double.PositiveInfinity, bool maxExclusive = false, IReadOnlyList<string>? names = null)
    {
        Key = key;
        _kind = kind;
        Description = description;
        _apply = apply;
        _min = min;
        _max = max;
        _maxExclusive = maxExclusive;
        ValidNames = names;
    }

    public string Key { get; }

    /// <summary>What the key means, for the report and the README.</summary>
    public string Description { get; }

    /// <summary>The accepted names for a key of names (activation, padding, optimizer); null for numbers.</summary>
    public IReadOnlyList<string>? ValidNames { get; }

    /// <summary>Whether a continuous range ({"uniform": [a, b]} or {"log_uniform": [a, b]}) is accepted.</summary>
    public bool AcceptsRange => _kind == Kind.Number;

    public ConvNetConfig Apply(ConvNetConfig config, object value) => _apply(config, value);

    /// <summary>What a value of this key must be, for error messages.</summary>
    public string Expected => _kind switch
    {
        Kind.Name => $"one of {string.Join(", ", ValidNames!)}",
        Kind.Integer => $"an integer {RangeText()}",
        _ => $"a number {RangeText()}",
    };

    private string RangeText() => double.IsPositiveInfinity(_max)
        ? string.Create(CultureInfo.InvariantCulture, $"of at least {_min}")
        : string.Create(CultureInfo.InvariantCulture, $"in [{_min}, {_max}{(_maxExclusive ? ")" : "]")}");

    /// <summary>Reads one listed value; throws a <see cref="SearchSpaceException"/> naming the file, the key and the valid values.</summary>
    internal object ReadValue(JsonElement element, string file)
    {
        switch (_kind)
        {
            case Kind.Name:
                string? name = element.ValueKind == JsonValueKind.String ? element.GetString()!.Trim().ToLowerInvariant() : null;
                if (name is null || !ValidNames!.Contains(name))
                    throw Invalid(file, $"unknown value {element.GetRawText()}");
                return name;
            case Kind.Integer:
                if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out int integer) || !InRange(integer))
                    throw Invalid(file, $"invalid value {element.GetRawText()}");
                return integer;
            default:
                return (float)ReadNumber(element, file);
        }
    }

    internal double ReadNumber(JsonElement element, string file)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out double number) || !double.IsFinite(number) || !InRange(number))
            throw Invalid(file, $"invalid value {element.GetRawText()}");
        return number;
    }

    private bool InRange(double value) => value >= _min && (_maxExclusive ? value < _max : value <= _max);

    private SearchSpaceException Invalid(string file, string what) =>
        new($"{file}: '{Key}' has {what}. Valid values: {Expected}.");

    public static IReadOnlyList<SearchParameter> All { get; } =
    [
        new("conv_layers", Kind.Integer, "number of convolutions (2x2 max pooling after each but the last)",
            (c, v) => c with { ConvLayers = (int)v }, min: 1, max: 4),
        new("filters", Kind.Integer, "filters of the first convolution; the later ones have twice as many",
            (c, v) => c with { Filters = (int)v }, min: 1, max: 256),
        new("kernel_size", Kind.Integer, "side of the square convolution kernels",
            (c, v) => c with { KernelSize = (int)v }, min: 1, max: 7),
        new("padding", Kind.Name, "valid (no padding, maps shrink) or same (zero padding, maps keep their size)",
            (c, v) => c with { Padding = (string)v == "same" ? Padding.Same : Padding.Valid }, names: ["valid", "same"]),
        new("activation", Kind.Name, "activation of the convolutions and hidden Dense layers",
            (c, v) => c with { Activation = Activations.Parse((string)v) },
            names: [.. Activations.Names.Keys.Where(n => n != "softmax")]),
        new("dense_layers", Kind.Integer, "hidden Dense layers between Flatten and the output",
            (c, v) => c with { DenseLayers = (int)v }, min: 0, max: 4),
        new("dense_units", Kind.Integer, "units of each hidden Dense layer",
            (c, v) => c with { DenseUnits = (int)v }, min: 1, max: 4096),
        new("dropout", Kind.Number, "rate of the Dropout after Flatten (0: no Dropout layer)",
            (c, v) => c with { Dropout = (float)v }, min: 0, max: 1, maxExclusive: true),
        new("l2", Kind.Number, "L2 factor on the kernels of the convolutions and hidden Dense layers (0: none)",
            (c, v) => c with { L2 = (float)v }, min: 0, max: 1),
        new("optimizer", Kind.Name, "optimizer",
            (c, v) => c with { Optimizer = (string)v }, names: Optimizer.Names),
        new("learning_rate", Kind.Number, "learning rate of the optimizer",
            (c, v) => c with { LearningRate = (float)v }, min: 1e-7, max: 1),
        new("batch_size", Kind.Integer, "samples per training step",
            (c, v) => c with { BatchSize = (int)v }, min: 1, max: 4096),
    ];

    public static SearchParameter? Find(string key) => All.FirstOrDefault(p => p.Key == key);
}
