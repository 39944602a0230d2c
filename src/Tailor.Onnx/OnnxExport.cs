using Google.Protobuf;
using Onnx;
using Tailor.Common;
using Tailor.Graphs;
using Tailor.Models;

namespace Tailor.Serialization;

/// <summary>
/// Writes a <see cref="Model"/> as an ONNX model (opset 13): a Sequential's input named as Keras names it
/// ("conv2d_input"), a functional model's inputs as its <see cref="Input"/>s, each shaped (N, ...) with a dynamic
/// batch; the outputs named as the layers that give them. Merge layers become Add, Sub, Mul, Mean, Max and Concat
/// nodes; a shared layer is written once per call. The layers describe their own inference nodes
/// (<see cref="ModelInference.DescribeInference"/>), ONNX-named and with the layout changes in place
/// (Tailor is channels-last, ONNX's Conv and pooling channels-first); this class only writes them as ONNX's
/// protobuf, whose classes come from OnnxSharp (ONNX's generated types).
/// </summary>
public static class OnnxExport
{
    public const int Opset = 13;

    /// <summary>The name of the model's (first) input in the exported graph.</summary>
    public static string InputName(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ModelInference.InputNames(model)[0];
    }

    public static void Save(Model model, string path)
    {
        var onnx = Build(model);
        AtomicFile.Write(path, stream => onnx.WriteTo(stream));
    }

    public static ModelProto Build(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var description = model.DescribeInference();
        var graph = new GraphProto { Name = description.Name };
        for (int i = 0; i < description.InputNames.Count; i++) graph.Input.Add(ValueInfo(description.InputNames[i], description.InputShapes[i]));
        foreach (var node in description.Nodes) graph.Node.Add(Node(node));
        foreach (var constant in description.Constants) graph.Initializer.Add(Initializer(constant));
        for (int i = 0; i < description.OutputNames.Count; i++) graph.Output.Add(ValueInfo(description.OutputNames[i], description.OutputShapes[i]));
        return new ModelProto
        {
            IrVersion = 7,
            ProducerName = "Tailor",
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = Opset } },
            Graph = graph,
        };
    }

    private static NodeProto Node(GraphNode node)
    {
        var proto = new NodeProto { OpType = node.OpType, Name = node.Name, Output = { node.Name } };
        proto.Input.AddRange(node.Inputs);
        foreach (var (key, value) in node.Attributes)
            proto.Attribute.Add(value switch
            {
                long i => new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Int, I = i },
                float f => new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Float, F = f },
                long[] ints => new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ints } },
                _ => throw new ArgumentException($"Attribute '{key}' of node '{node.Name}' has a value of type {value.GetType().Name}, which ONNX export does not write."),
            });
        return proto;
    }

    /// <summary>Float32 as raw little-endian bytes, int64 (shapes) as int64_data.</summary>
    private static TensorProto Initializer(GraphConstant constant)
    {
        var tensor = new TensorProto { Name = constant.Name, Dims = { constant.Dims } };
        if (constant.IsInt64)
        {
            tensor.DataType = (int)TensorProto.Types.DataType.Int64;
            tensor.Int64Data.AddRange(constant.Int64s.ToArray());
            return tensor;
        }
        tensor.DataType = (int)TensorProto.Types.DataType.Float;
        var values = constant.Floats.Span;
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        tensor.RawData = ByteString.CopyFrom(bytes);
        return tensor;
    }

    private static ValueInfoProto ValueInfo(string name, IReadOnlyList<int> itemShape)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (int d in itemShape) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
