namespace Tailor.Layers;

/// <summary>
/// Marks the constructor that rebuilds the layer from a saved config, for a layer with several public
/// constructors (Conv2D's square-kernel shorthand beside its full form). Its parameters are read from the
/// config keys of the same names in snake_case: <c>useBias</c> from <c>use_bias</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Constructor, Inherited = false)]
public sealed class ConfigConstructorAttribute : Attribute;

/// <summary>
/// The value a saved config without this parameter's key means, for a parameter that has no default in C#
/// (MaxPooling2D's pool_size is Keras's 2 there, while <c>new MaxPooling2D((h, w))</c> asks for it). An
/// integer stands for a square pair, as Keras accepts it.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class ConfigDefaultAttribute(object value) : Attribute
{
    /// <summary>The value, of the parameter's type or an integer for an (int, int) pair.</summary>
    public object Value { get; } = value;
}

/// <summary>
/// Reads this <see cref="int"/> parameter from a config as any integer, which the constructor then checks,
/// rather than as a size from 1 to 65,536 (BatchNormalization's axis is -1).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class ConfigIntegerAttribute : Attribute;
