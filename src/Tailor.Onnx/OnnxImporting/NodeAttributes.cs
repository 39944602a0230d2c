using Onnx;
using AttributeType = Onnx.AttributeProto.Types.AttributeType;

namespace Tailor.Serialization.OnnxImporting;

/// <summary>
/// A node's attributes, read by name and type. Every attribute must be one the conversion reads: one it does not
/// know could change the result in a way the import would silently ignore, so it is refused, named.
/// </summary>
internal sealed class NodeAttributes
{
    private readonly OnnxGraph _graph;
    private readonly NodeProto _node;
    private readonly Dictionary<string, AttributeProto> _attributes = new(StringComparer.Ordinal);

    public NodeAttributes(OnnxGraph graph, NodeProto node, params string[] known)
    {
        _graph = graph;
        _node = node;
        foreach (var attribute in node.Attribute)
        {
            if (!known.Contains(attribute.Name))
                throw Error(attribute.Name,
                    $"attribute {attribute.Name} is not one that Tailor's import of {node.OpType} reads ({(known.Length == 0 ? "it reads none" : "it reads " + string.Join(", ", known))}), so its effect cannot be reproduced.");
            if (attribute.RefAttrName.Length > 0)
                throw Error(attribute.Name, $"attribute {attribute.Name} refers to a function's attribute '{attribute.RefAttrName}'; Tailor imports graphs without functions.");
            if (!_attributes.TryAdd(attribute.Name, attribute))
                throw Error(attribute.Name, $"attribute {attribute.Name} is given twice.");
        }
    }

    public bool Has(string name) => _attributes.ContainsKey(name);

    public long Int(string name, long fallback) => Get(name, AttributeType.Int) is { } a ? a.I : fallback;

    public float Float(string name, float fallback) => Get(name, AttributeType.Float) is { } a ? a.F : fallback;

    public long[]? Ints(string name) => Get(name, AttributeType.Ints) is { } a ? [.. a.Ints] : null;

    public string? String(string name) => Get(name, AttributeType.String) is { } a ? a.S.ToStringUtf8() : null;

    /// <summary>An error about attribute <paramref name="name"/>; <paramref name="problem"/> says "attribute name=value: why".</summary>
    public OnnxImportException Error(string name, string problem) => _graph.Error(_node, problem, name);

    /// <summary>"attribute <paramref name="name"/>=<paramref name="value"/>: <paramref name="why"/>".</summary>
    public OnnxImportException Refuse(string name, object value, string why) =>
        Error(name, $"attribute {name}={Format(value)}: {why}");

    public static string Format(object value) => value switch
    {
        long[] ints => $"[{string.Join(", ", ints)}]",
        int[] ints => $"[{string.Join(", ", ints)}]",
        float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        string s => $"'{s}'",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    private AttributeProto? Get(string name, AttributeType type)
    {
        if (!_attributes.TryGetValue(name, out var attribute)) return null;
        // Old exporters leave the type out; the value's field then tells.
        if (attribute.Type != type && attribute.Type != AttributeType.Undefined)
            throw Error(name, $"attribute {name} is of type {attribute.Type}; ONNX's {_node.OpType} gives it as {type}.");
        return attribute;
    }
}
