namespace Tailor.Graphs;

/// <summary>A named constant tensor of an <see cref="InferenceGraph"/> (ONNX's initializer): float32 weights, or int64 values such as a target shape.</summary>
public sealed class GraphConstant
{
    internal GraphConstant(string name, long[] dims, float[]? floats, long[]? int64s)
    {
        Name = name;
        Dims = dims;
        Floats = floats;
        Int64s = int64s;
        IsInt64 = int64s != null;
    }

    /// <summary>The tensor's name: "dense/kernel".</summary>
    public string Name { get; }

    /// <summary>The shape; empty for a scalar.</summary>
    public IReadOnlyList<long> Dims { get; }

    /// <summary>The float32 values in row-major order, or empty when the constant holds int64 values.</summary>
    public ReadOnlyMemory<float> Floats { get; }

    /// <summary>The int64 values, or empty when the constant holds float32 values.</summary>
    public ReadOnlyMemory<long> Int64s { get; }

    /// <summary>Whether the constant holds int64 values rather than float32.</summary>
    public bool IsInt64 { get; }
}
