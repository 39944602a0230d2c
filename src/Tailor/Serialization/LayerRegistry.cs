using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Normalization;
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
        ["Conv1D"] = c => new Conv1D(c.Size("filters"), c.Single("kernel_size"), c.Single("strides", 1), c.Padding(), c.Single("dilation_rate", 1), c.Activation(),
            c.Bool("use_bias", true), c.Initializer("kernel_initializer", "glorot_uniform"), c.Initializer("bias_initializer", "zeros"),
            c.Regularizer("kernel_regularizer"), c.Regularizer("bias_regularizer"), c.Name),
        ["MaxPooling2D"] = c => new MaxPooling2D(c.Pair("pool_size", (2, 2)), c.Pair("strides", c.Pair("pool_size", (2, 2))), c.Padding(), c.Name),
        ["AveragePooling2D"] = c => new AveragePooling2D(c.Pair("pool_size", (2, 2)), c.Pair("strides", c.Pair("pool_size", (2, 2))), c.Padding(), c.Name),
        ["MaxPooling1D"] = c => new MaxPooling1D(c.Single("pool_size", 2), c.Single("strides", c.Single("pool_size", 2)), c.Padding(), c.Name),
        ["AveragePooling1D"] = c => new AveragePooling1D(c.Single("pool_size", 2), c.Single("strides", c.Single("pool_size", 2)), c.Padding(), c.Name),
        ["GlobalAveragePooling1D"] = c => new GlobalAveragePooling1D(GlobalPoolingName(c)),
        ["GlobalAveragePooling2D"] = c => new GlobalAveragePooling2D(GlobalPoolingName(c)),
        ["GlobalMaxPooling1D"] = c => new GlobalMaxPooling1D(GlobalPoolingName(c)),
        ["GlobalMaxPooling2D"] = c => new GlobalMaxPooling2D(GlobalPoolingName(c)),
        ["BatchNormalization"] = c => new BatchNormalization(c.Int("axis", -1), c.Float("momentum", 0.99f), c.Float("epsilon", 1e-3f), c.Bool("center", true), c.Bool("scale", true),
            c.Initializer("beta_initializer", "zeros"), c.Initializer("gamma_initializer", "ones"),
            c.Initializer("moving_mean_initializer", "zeros"), c.Initializer("moving_variance_initializer", "ones"),
            c.Regularizer("beta_regularizer"), c.Regularizer("gamma_regularizer"), c.Name),
        ["Reshape"] = c => new Reshape(c.Shape("target_shape"), c.Name),
        ["Flatten"] = c => new Flatten(c.Name),
        ["Dropout"] = c => new Dropout(c.Float("rate"), c.ULong("seed"), c.Name),
        ["Activation"] = c => new ActivationLayer(c.Activation(), c.Name),
    };

    /// <summary>The layer's name, once the config is known to ask for what Tailor's global pooling does (channels-last, no kept axes).</summary>
    private static string? GlobalPoolingName(LayerConfig c)
    {
        if (c.Bool("keepdims", false)) throw c.Error("'keepdims': true is not supported; Tailor's global pooling drops the pooled axes.");
        if (c.String("data_format", "channels_last") != "channels_last") throw c.Error("'data_format' must be 'channels_last' (Tailor's layout).");
        return c.Name;
    }

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
