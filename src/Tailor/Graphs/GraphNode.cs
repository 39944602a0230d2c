namespace Tailor.Graphs;

/// <summary>
/// One operator of an <see cref="InferenceGraph"/>: its ONNX type (opset 13), its inputs (tensor names) and
/// attributes; its one output is the tensor named as the node.
/// </summary>
public sealed class GraphNode
{
    internal GraphNode(string opType, string name, IReadOnlyList<string> inputs, IReadOnlyList<(string Name, object Value)> attributes)
    {
        OpType = opType;
        Name = name;
        Inputs = inputs;
        Attributes = attributes;
    }

    /// <summary>The ONNX operator: "Conv", "Gemm", "Transpose"...</summary>
    public string OpType { get; }

    /// <summary>The node's name, which is also the name of its output tensor: "conv2d/conv".</summary>
    public string Name { get; }

    /// <summary>The tensors it reads: the graph's input, other nodes' outputs or constants.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The attributes in the order given; each value is a <see cref="long"/>, a <see cref="float"/> or a <see cref="long"/>[].</summary>
    public IReadOnlyList<(string Name, object Value)> Attributes { get; }
}
