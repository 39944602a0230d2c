using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;

namespace Tailor.Serialization;

/// <summary>
/// Rebuilds layers from the class name and config that <see cref="Layer.GetConfig"/> wrote. A new
/// layer type is one line here (or a call to <see cref="Register"/> from outside the library).
/// </summary>
public static class LayerRegistry
{
    private static readonly Dictionary<string, Func<LayerConfig, Layer>> Factories = new()
    {
        ["Dense"] = c => new Dense(c.Size("units"), c.Activation(), c.Bool("use_bias", true),
            c.Initializer("kernel_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Name),
        ["Conv2D"] = c => new Conv2D(c.Size("filters"), c.Pair("kernel_size"), c.Pair("strides", (1, 1)), c.Padding(), c.Activation(),
            c.Bool("use_bias", true), c.Initializer("kernel_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Name),
        ["MaxPooling2D"] = c => new MaxPooling2D(c.Pair("pool_size", (2, 2)), c.Pair("strides", c.Pair("pool_size", (2, 2))), c.Padding(), c.Name),
        ["AveragePooling2D"] = c => new AveragePooling2D(c.Pair("pool_size", (2, 2)), c.Pair("strides", c.Pair("pool_size", (2, 2))), c.Padding(), c.Name),
        ["Flatten"] = c => new Flatten(c.Name),
        ["Dropout"] = c => new Dropout(c.Float("rate"), c.ULong("seed"), c.Name),
        ["Activation"] = c => new ActivationLayer(c.Activation(), c.Name),
    };

    public static IReadOnlyCollection<string> ClassNames => Factories.Keys;

    /// <summary>Teaches the loader a layer type; <paramref name="className"/> is the layer's <see cref="Layer.TypeName"/>.</summary>
    public static void Register(string className, Func<LayerConfig, Layer> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(className);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Factories) Factories[className] = factory;
    }

    /// <summary>The layer the config describes; an unknown class or a config the layer refuses is a <see cref="ModelFormatException"/>.</summary>
    public static Layer Create(LayerConfig config)
    {
        Func<LayerConfig, Layer>? factory;
        lock (Factories) Factories.TryGetValue(config.ClassName, out factory);
        if (factory == null)
            throw config.Error($"unknown layer type. Known types: {string.Join(", ", ClassNames.Order())}.");
        try { return factory(config); }
        catch (ArgumentException e) { throw config.Error(e.Message); }
    }
}
