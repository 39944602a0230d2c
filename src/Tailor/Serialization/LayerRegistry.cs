using Tailor.Layers;

namespace Tailor.Serialization;

/// <summary>
/// Rebuilds layers from the class name and config that <see cref="Layer.GetConfig"/> wrote. It knows every
/// public layer type of the library, found by reflection, and creates each through its own constructor
/// (see <see cref="Register(Type)"/>); a layer type from outside the library is taught with
/// <see cref="Register{TLayer}"/>, or with a factory of its own through <see cref="Register(string, Func{LayerConfig, Layer})"/>.
/// </summary>
public static class LayerRegistry
{
    private static readonly Dictionary<string, Func<LayerConfig, Layer>> Factories = [];

    static LayerRegistry()
    {
        foreach (var type in typeof(Layer).Assembly.GetExportedTypes().Where(t => t.IsSubclassOf(typeof(Layer)) && !t.IsAbstract))
            Register(type);
    }

    /// <summary>The class names a model file may use, ordered.</summary>
    public static IReadOnlyCollection<string> ClassNames
    {
        get { lock (Factories) return [.. Factories.Keys.Order()]; }
    }

    /// <summary>
    /// Teaches the loader a layer type, under its <see cref="Layer.TypeName"/>: a config is read through the
    /// type's public constructor (the one marked <see cref="ConfigConstructorAttribute"/> when there are
    /// several), each parameter from the key of its name in snake_case, a missing key taking the parameter's
    /// default. A constructor with a parameter no config reader knows is refused here.
    /// </summary>
    public static void Register(Type layerType)
    {
        var constructor = LayerConstructor.For(layerType);
        Register(Layer.TypeNameOf(layerType), constructor.Create);
    }

    /// <summary>Teaches the loader <typeparamref name="TLayer"/>; see <see cref="Register(Type)"/>.</summary>
    public static void Register<TLayer>() where TLayer : Layer => Register(typeof(TLayer));

    /// <summary>Teaches the loader a layer type with a factory of its own; <paramref name="className"/> is the layer's <see cref="Layer.TypeName"/>.</summary>
    public static void Register(string className, Func<LayerConfig, Layer> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(className);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Factories) Factories[className] = factory;
    }

    /// <summary>The layer the config describes; an unknown class or a config the layer refuses is a <see cref="ModelFormatException"/>.</summary>
    public static Layer Create(LayerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Func<LayerConfig, Layer>? factory;
        lock (Factories) Factories.TryGetValue(config.ClassName, out factory);
        if (factory == null)
            throw config.Error($"unknown layer type. Known types: {string.Join(", ", ClassNames)}.");
        try { return factory(config); }
        catch (ArgumentException e) { throw config.Error(e.Message); }
    }
}
