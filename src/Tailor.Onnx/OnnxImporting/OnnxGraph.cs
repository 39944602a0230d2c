using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;
using Tailor.Common;

namespace Tailor.Serialization.OnnxImporting;

/// <summary>
/// An ONNX model checked as a whole before any node is converted: a graph, an opset of the default domain
/// that this importer knows, one float input whose per-sample shape is known, one output, and the constants
/// (initializers and Constant nodes), decoded on demand. Every error names the file, and the node where one
/// is at fault.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>The opsets whose operators this importer has read the definitions of.</summary>
    public const int MinOpset = 9, MaxOpset = 21;

    /// <summary>Protobuf's own limit on a message.</summary>
    public const long MaxFileBytes = int.MaxValue;

    private readonly Dictionary<string, TensorProto> _constants = new(StringComparer.Ordinal);

    private OnnxGraph(string path, ModelProto model)
    {
        Path = path;
        Graph = model.Graph ?? throw new OnnxImportException(path, "holds no graph (ModelProto.graph): it is not an ONNX model.");
        if (model.IrVersion <= 0)
            throw new OnnxImportException(path, $"has IR version {model.IrVersion}: it is not an ONNX model (ONNX files have IR version 3 or later).");
        Opset = DefaultOpset(model);
        if (Graph.SparseInitializer.Count > 0)
            throw new OnnxImportException(path, $"graph '{Graph.Name}' has sparse initializers ('{Graph.SparseInitializer[0].Values?.Name}'); Tailor imports dense ones only.");
        foreach (var tensor in Graph.Initializer) _constants[tensor.Name] = tensor;
        var nodes = new List<NodeProto>();
        foreach (var node in Graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx"))
                throw Error(node, $"operator {node.OpType} of domain '{node.Domain}' is not a standard ONNX operator; Tailor imports operators of the default domain.");
            if (node.OpType == "Constant") AddConstant(node);
            else nodes.Add(node);
        }
        if (nodes.Count == 0) throw new OnnxImportException(path, $"graph '{Graph.Name}' has no operators: there is nothing to import.");
        Nodes = nodes;

        var inputs = Graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new OnnxImportException(path, $"graph '{Graph.Name}' has {inputs.Count} inputs besides its initializers ({Names(inputs)}); a Tailor model takes one.");
        if (Graph.Output.Count != 1)
            throw new OnnxImportException(path, $"graph '{Graph.Name}' has {Graph.Output.Count} outputs ({Names(Graph.Output)}); a Tailor model gives one.");
        InputName = inputs[0].Name;
        OutputName = Graph.Output[0].Name;
        InputShape = ReadInputShape(inputs[0]);
        DeclaredOutputShape = ReadOutputShape(Graph.Output[0]);
    }

    /// <summary>The file, as the caller named it (or the name given to an in-memory model).</summary>
    public string Path { get; }

    public GraphProto Graph { get; }

    /// <summary>The version of the default ONNX domain the model imports.</summary>
    public int Opset { get; }

    /// <summary>The operators, Constant nodes left out (their outputs are constants).</summary>
    public IReadOnlyList<NodeProto> Nodes { get; }

    public string InputName { get; }

    public string OutputName { get; }

    /// <summary>The input's shape without the batch axis (its first, of any size or symbolic).</summary>
    public int[] InputShape { get; }

    /// <summary>The output's declared shape without the batch axis, -1 where a dimension is not given; null when no shape is declared.</summary>
    public int[]? DeclaredOutputShape { get; }

    /// <summary>Reads and checks the file at <paramref name="path"/>: a regular file, a protobuf ModelProto, then as above.</summary>
    public static OnnxGraph Read(string path)
    {
        byte[] bytes = InputFile.ReadAllBytes(path, "an ONNX model", MaxFileBytes);
        if (bytes.Length == 0) throw new OnnxImportException(path, "is empty: an ONNX model holds at least a graph.");
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxImportException(path, $"is not an ONNX model (a ModelProto protobuf), or is truncated: {e.Message}", innerException: e);
        }
        return From(model, path);
    }

    public static OnnxGraph From(ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new OnnxGraph(path, model);
    }

    /// <summary>Whether <paramref name="name"/> is an initializer or a Constant node's output.</summary>
    public bool IsConstant(string name) => _constants.ContainsKey(name);

    /// <summary>The node's name for messages: its own, or its first output's where it has none.</summary>
    public static string NodeName(NodeProto node) =>
        node.Name.Length > 0 ? node.Name : node.Output.Count > 0 ? $"(unnamed, output '{node.Output[0]}')" : $"(unnamed {node.OpType})";

    public OnnxImportException Error(NodeProto? node, string problem, string? attribute = null, Exception? innerException = null) =>
        node == null
            ? new OnnxImportException(Path, problem, attribute: attribute, innerException: innerException)
            : new OnnxImportException(Path, problem, NodeName(node), node.OpType, attribute, innerException);

    /// <summary>The float32 constant that is input <paramref name="index"/> of <paramref name="node"/> (<paramref name="role"/>: "W"), with its shape.</summary>
    public (float[] Values, int[] Dims) Floats(NodeProto node, int index, string role)
    {
        var tensor = ConstantInput(node, index, role);
        int count = Count(node, tensor, role);
        var type = (TensorProto.Types.DataType)tensor.DataType;
        if (type != TensorProto.Types.DataType.Float)
            throw Error(node, $"input {role} ('{tensor.Name}') holds {type} values; Tailor's weights are float32.");
        var values = new float[count];
        if (tensor.RawData.Length > 0)
        {
            CheckLength(node, tensor, role, tensor.RawData.Length, 4L * count, "bytes of raw data");
            var raw = tensor.RawData.Span;
            for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
        }
        else
        {
            CheckLength(node, tensor, role, tensor.FloatData.Count, count, "float values");
            tensor.FloatData.CopyTo(values, 0);
        }
        return (values, Dims(tensor));
    }

    /// <summary>The int64 constant that is input <paramref name="index"/> of <paramref name="node"/> (a shape, pads, axes).</summary>
    public long[] Int64s(NodeProto node, int index, string role)
    {
        var tensor = ConstantInput(node, index, role);
        int count = Count(node, tensor, role);
        var type = (TensorProto.Types.DataType)tensor.DataType;
        if (type != TensorProto.Types.DataType.Int64)
            throw Error(node, $"input {role} ('{tensor.Name}') holds {type} values; ONNX gives it as int64.");
        var values = new long[count];
        if (tensor.RawData.Length > 0)
        {
            CheckLength(node, tensor, role, tensor.RawData.Length, 8L * count, "bytes of raw data");
            var raw = tensor.RawData.Span;
            for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]);
        }
        else
        {
            CheckLength(node, tensor, role, tensor.Int64Data.Count, count, "int64 values");
            tensor.Int64Data.CopyTo(values, 0);
        }
        return values;
    }

    /// <summary>The bool (or int64) constant that is input <paramref name="index"/> of <paramref name="node"/>, as 0 and 1.</summary>
    public long[] Flags(NodeProto node, int index, string role)
    {
        var tensor = ConstantInput(node, index, role);
        if ((TensorProto.Types.DataType)tensor.DataType == TensorProto.Types.DataType.Int64) return Int64s(node, index, role);
        int count = Count(node, tensor, role);
        if ((TensorProto.Types.DataType)tensor.DataType != TensorProto.Types.DataType.Bool)
            throw Error(node, $"input {role} ('{tensor.Name}') holds {(TensorProto.Types.DataType)tensor.DataType} values; ONNX gives it as bool.");
        if (tensor.RawData.Length > 0)
        {
            CheckLength(node, tensor, role, tensor.RawData.Length, count, "bytes of raw data");
            return tensor.RawData.Select(b => (long)(b != 0 ? 1 : 0)).ToArray();
        }
        CheckLength(node, tensor, role, tensor.Int32Data.Count, count, "int32 values");
        return tensor.Int32Data.Select(v => (long)(v != 0 ? 1 : 0)).ToArray();
    }

    /// <summary>Whether input <paramref name="index"/> of <paramref name="node"/> is given (ONNX leaves an optional input out with an empty name).</summary>
    public static bool HasInput(NodeProto node, int index) => index < node.Input.Count && node.Input[index].Length > 0;

    private TensorProto ConstantInput(NodeProto node, int index, string role)
    {
        if (!HasInput(node, index)) throw Error(node, $"has no input {role} (input {index}).");
        string name = node.Input[index];
        if (!_constants.TryGetValue(name, out var tensor))
            throw Error(node, $"input {role} ('{name}') is neither an initializer nor a Constant; Tailor imports weights, shapes and pads given as constants.");
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            throw Error(node, $"input {role} ('{name}') keeps its values in an external file; Tailor imports self-contained ONNX files (save with all tensors inside).");
        return tensor;
    }

    private int Count(NodeProto node, TensorProto tensor, string role)
    {
        long count = 1;
        foreach (long d in tensor.Dims)
        {
            if (d < 0) throw Error(node, $"input {role} ('{tensor.Name}') has a negative dimension in its shape ({string.Join(", ", tensor.Dims)}).");
            if (d > int.MaxValue || (count *= d) > int.MaxValue) throw Error(node, $"input {role} ('{tensor.Name}') has shape ({string.Join(", ", tensor.Dims)}), more values than a tensor can hold.");
        }
        return (int)count;
    }

    private void CheckLength(NodeProto node, TensorProto tensor, string role, long found, long expected, string what)
    {
        if (found != expected)
            throw Error(node, $"input {role} ('{tensor.Name}') of shape ({string.Join(", ", tensor.Dims)}) needs {expected:N0} {what}, the file holds {found:N0}.");
    }

    private int[] Dims(TensorProto tensor) => tensor.Dims.Select(d => (int)d).ToArray();

    private void AddConstant(NodeProto node)
    {
        if (node.Output.Count != 1 || node.Output[0].Length == 0) throw Error(node, $"has {node.Output.Count} outputs; a Constant has one.");
        foreach (var attribute in node.Attribute)
            if (attribute.Name != "value")
                throw Error(node, $"attribute {attribute.Name}: Tailor reads a Constant's tensor from 'value' only.", attribute.Name);
        var value = node.Attribute.FirstOrDefault()?.T ?? throw Error(node, "has no 'value' tensor.", "value");
        _constants[node.Output[0]] = new TensorProto(value) { Name = node.Output[0] };
    }

    private int DefaultOpset(ModelProto model)
    {
        var import = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")
            ?? throw new OnnxImportException(Path, "imports no opset of the default ONNX domain (ModelProto.opset_import).");
        if (import.Version < MinOpset || import.Version > MaxOpset)
            throw new OnnxImportException(Path, $"uses opset {import.Version}; Tailor imports opsets {MinOpset} to {MaxOpset} of the default domain (re-export with opset_version={Math.Clamp(import.Version, MinOpset, MaxOpset)}).");
        return (int)import.Version;
    }

    private int[] ReadInputShape(ValueInfoProto input)
    {
        var tensor = input.Type?.TensorType
            ?? throw new OnnxImportException(Path, $"the graph's input '{input.Name}' is not a tensor (or has no type).");
        if ((TensorProto.Types.DataType)tensor.ElemType != TensorProto.Types.DataType.Float)
            throw new OnnxImportException(Path, $"the graph's input '{input.Name}' holds {(TensorProto.Types.DataType)tensor.ElemType} values; Tailor's models take float32.");
        if (tensor.Shape == null)
            throw new OnnxImportException(Path, $"the graph's input '{input.Name}' has no shape; Tailor needs its size (batch, features...) to build the layers.");
        var dims = tensor.Shape.Dim;
        if (dims.Count < 2)
            throw new OnnxImportException(Path, $"the graph's input '{input.Name}' has rank {dims.Count}; Tailor takes (batch, ...) with at least one axis besides the batch.");
        var shape = new int[dims.Count - 1];
        long values = 1;
        for (int i = 1; i < dims.Count; i++)
        {
            if (!dims[i].HasDimValue || dims[i].DimValue <= 0 || dims[i].DimValue > int.MaxValue)
                throw new OnnxImportException(Path,
                    $"the graph's input '{input.Name}' has axis {i} of size {(dims[i].HasDimValue ? dims[i].DimValue.ToString() : $"'{dims[i].DimParam}'")}; Tailor needs every size but the batch's to be a positive number.");
            shape[i - 1] = (int)dims[i].DimValue;
            values *= shape[i - 1];
            if (values > ModelFile.MaxInputValues)
                throw new OnnxImportException(Path, $"the graph's input '{input.Name}' holds more than {ModelFile.MaxInputValues:N0} values per sample.");
        }
        return shape;
    }

    private static int[]? ReadOutputShape(ValueInfoProto output)
    {
        var dims = output.Type?.TensorType?.Shape?.Dim;
        if (dims == null || dims.Count == 0) return null;
        return dims.Skip(1).Select(d => d.HasDimValue && d.DimValue is > 0 and <= int.MaxValue ? (int)d.DimValue : -1).ToArray();
    }

    private static string Names(IEnumerable<ValueInfoProto> values) => string.Join(", ", values.Select(v => $"'{v.Name}'"));
}
