using System.Reflection;
using System.Text.Json;
using Tailor.Initializers;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Regularizers;

namespace Tailor.Serialization;

/// <summary>
/// Creates a layer from its config through the layer's own constructor, so that nothing restates its
/// defaults: each parameter is read from the key of its name in snake_case (<c>useBias</c> from
/// <c>use_bias</c>) with the <see cref="LayerConfig"/> reader for its type, whose checks and messages name
/// the file, the layer and the key; a missing key takes the parameter's declared default (or its
/// <see cref="ConfigDefaultAttribute"/>). A key the layer writes without taking a parameter for it (global
/// pooling's keepdims) is a value the layer is fixed to, and a config asking for another is refused.
/// </summary>
internal sealed class LayerConstructor
{
    private readonly ConstructorInfo _constructor;

    private LayerConstructor(ConstructorInfo constructor, IReadOnlyList<ConfigParameter> parameters)
    {
        _constructor = constructor;
        Parameters = parameters;
    }

    /// <summary>One constructor parameter: its config key, how a present key is read, and what a missing key means.</summary>
    internal sealed record ConfigParameter(string Key, Func<LayerConfig, string, object?> Read, bool Required, object? Default);

    /// <summary>The constructor's parameters, in order.</summary>
    public IReadOnlyList<ConfigParameter> Parameters { get; }

    /// <summary>
    /// The config constructor of <paramref name="layerType"/>: its only public one, or the one marked
    /// <see cref="ConfigConstructorAttribute"/>. A type whose constructor cannot be read from a config
    /// (a parameter of a type no reader knows) is refused here, when it is registered, naming the parameter.
    /// </summary>
    public static LayerConstructor For(Type layerType)
    {
        ArgumentNullException.ThrowIfNull(layerType);
        if (!layerType.IsSubclassOf(typeof(Layer)) || layerType.IsAbstract)
            throw new ArgumentException($"{layerType.FullName} is not a concrete Layer type.", nameof(layerType));
        var constructors = layerType.GetConstructors();
        var marked = constructors.Where(c => c.IsDefined(typeof(ConfigConstructorAttribute), inherit: false)).ToArray();
        var constructor = (marked, constructors) switch
        {
            ([var one], _) => one,
            ([], [var only]) => only,
            ([], []) => throw new ArgumentException($"{layerType.Name} has no public constructor to rebuild it from a config.", nameof(layerType)),
            _ => throw new ArgumentException(
                $"{layerType.Name} has {(marked.Length > 1 ? $"{marked.Length} constructors marked" : $"{constructors.Length} public constructors and none marked")} [ConfigConstructor]; mark the one that rebuilds it from a config.",
                nameof(layerType)),
        };
        return new LayerConstructor(constructor, [.. constructor.GetParameters().Select(p => Parameter(layerType, p))]);
    }

    private static ConfigParameter Parameter(Type layerType, ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        string where = $"{layerType.Name}'s constructor parameter '{parameter.Name}' of type {type.Name}";
        var read = Reader(parameter)
            ?? throw new ArgumentException($"{where} has no config reader (int, int?, (int, int), float, bool, ulong?, string, int[], Activation, Padding, Initializer, Regularizer); register a factory for the layer instead.", nameof(layerType));
        if (parameter.HasDefaultValue)
            // Type.Missing makes the invocation take the declared default, of whatever type it is stored as.
            return new(Key(parameter), read, Required: false, Type.Missing);
        if (parameter.GetCustomAttribute<ConfigDefaultAttribute>() is { } configDefault)
        {
            object value = configDefault.Value is int side && type == typeof((int, int)) ? (side, side) : configDefault.Value;
            if (!type.IsInstanceOfType(value))
                throw new ArgumentException($"{where} has a [ConfigDefault] of type {value.GetType().Name}.", nameof(layerType));
            return new(Key(parameter), read, Required: false, value);
        }
        return new(Key(parameter), read, Required: true, null);
    }

    private static string Key(ParameterInfo parameter) => Layer.ToSnakeCase(parameter.Name!);

    /// <summary>The reader for a parameter's type; each is called for a key the config has (a missing one never reaches it).</summary>
    private static Func<LayerConfig, string, object?>? Reader(ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (type == typeof(int))
            return parameter.IsDefined(typeof(ConfigIntegerAttribute)) ? (c, k) => c.Int(k) : (c, k) => c.Single(k);
        if (type == typeof(int?)) return (c, k) => c.Single(k);
        if (type == typeof((int, int)) || type == typeof((int, int)?)) return (c, k) => c.Pair(k);
        if (type == typeof(float)) return (c, k) => c.Float(k);
        if (type == typeof(bool)) return (c, k) => c.Bool(k, fallback: false);
        if (type == typeof(ulong?)) return (c, k) => c.ULong(k);
        if (type == typeof(string)) return (c, k) => c.String(k, fallback: null);
        if (type == typeof(int[])) return (c, k) => c.Shape(k);
        if (type == typeof(Activation)) return (c, k) => c.Activation(k);
        if (type == typeof(Padding)) return (c, k) => c.Padding(k);
        if (type == typeof(Initializer)) return (c, k) => c.Initializer(k, fallback: "");
        if (type == typeof(Regularizer)) return (c, k) => c.Regularizer(k);
        return null;
    }

    /// <summary>The layer <paramref name="config"/> describes; a value the layer refuses is its ArgumentException.</summary>
    public Layer Create(LayerConfig config)
    {
        var arguments = new object?[Parameters.Count];
        for (int i = 0; i < arguments.Length; i++)
        {
            var p = Parameters[i];
            arguments[i] = config.Has(p.Key) ? p.Read(config, p.Key) : p.Required ? throw config.Missing(p.Key) : p.Default;
        }
        var layer = (Layer)_constructor.Invoke(BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
        CheckFixedKeys(layer, config);
        return layer;
    }

    /// <summary>Refuses a config that asks for another value of a key the layer writes but cannot be given (keepdims: true).</summary>
    private void CheckFixedKeys(Layer layer, LayerConfig config)
    {
        foreach (var (key, value) in layer.GetConfig())
            if (!Parameters.Any(p => p.Key == key))
                config.ExpectFixed(key, JsonSerializer.SerializeToElement(value));
    }
}
