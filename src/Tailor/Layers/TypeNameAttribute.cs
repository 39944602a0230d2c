namespace Tailor.Layers;

/// <summary>
/// Keras's class name for a layer whose .NET name differs from it: ActivationLayer is Keras's Activation
/// (the enum has the shorter name). Model files and summaries use <see cref="Layer.TypeName"/>, which reads it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class TypeNameAttribute(string name) : Attribute
{
    /// <summary>The class name, as a model file's "class_name" holds it.</summary>
    public string Name { get; } = name;
}
