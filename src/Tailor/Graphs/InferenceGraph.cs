namespace Tailor.Graphs;

/// <summary>
/// A model's inference computation as ONNX-named operators (opset 13) over named tensors: each layer appends
/// its nodes and constants (<c>Layer.DescribeInference</c>), and an exporter translates them (Tailor.Onnx
/// writes them as an ONNX file), so the engine needs no ONNX library. The graph keeps the layout: Tailor is
/// channels-last while ONNX's Conv and pooling are channels-first, so a layer asks for its input in the layout
/// it needs (<see cref="Input(TensorLayout)"/>) and says which its output has (<see cref="SetOutput"/>), and a
/// Transpose goes in only where the layout changes. Names are the layer's: a node "conv" of layer "conv2d" is
/// "conv2d/conv".
/// </summary>
public sealed class InferenceGraph
{
    private readonly List<GraphNode> _nodes = [];
    private readonly List<GraphConstant> _constants = [];
    private readonly int[] _inputShape;
    private int[] _outputShape = [];
    private string _current;
    private string _layer = "";
    // The rank of the current tensor, the batch axis included: what a Transpose permutes.
    private int _rank;

    internal InferenceGraph(string name, string inputName, ReadOnlySpan<int> inputShape)
    {
        Name = name;
        InputName = inputName;
        _inputShape = inputShape.ToArray();
        _current = inputName;
        OutputName = inputName;
    }

    /// <summary>The model's name.</summary>
    public string Name { get; }

    /// <summary>The graph's input tensor, (N, per-sample shape...) channels-last.</summary>
    public string InputName { get; }

    /// <summary>The per-sample input shape; the batch axis is dynamic.</summary>
    public IReadOnlyList<int> InputShape => _inputShape;

    /// <summary>The graph's output tensor, named as the last layer, channels-last.</summary>
    public string OutputName { get; private set; }

    /// <summary>The per-sample output shape; the batch axis is dynamic.</summary>
    public IReadOnlyList<int> OutputShape => _outputShape;

    /// <summary>The operators in the order they run.</summary>
    public IReadOnlyList<GraphNode> Nodes => _nodes;

    /// <summary>The constant tensors (weights, shapes), in the order the layers gave them.</summary>
    public IReadOnlyList<GraphConstant> Constants => _constants;

    /// <summary>The layout of the current tensor, the input of the layer being described.</summary>
    public TensorLayout Layout { get; private set; } = TensorLayout.ChannelsLast;

    /// <summary>Starts the nodes of a layer, whose input has <paramref name="inputRank"/> axes with the batch.</summary>
    internal void BeginLayer(string layerName, int inputRank)
    {
        _layer = layerName;
        _rank = inputRank;
    }

    /// <summary>The layer's input as it is, in <see cref="Layout"/> (for operators that work in either).</summary>
    public string Input() => _current;

    /// <summary>The layer's input in <paramref name="layout"/>, behind a Transpose when it is in the other one.</summary>
    public string Input(TensorLayout layout)
    {
        if (layout == Layout) return _current;
        long[] perm = layout == TensorLayout.ChannelsFirst
            ? [0, _rank - 1, .. Enumerable.Range(1, _rank - 2).Select(a => (long)a)]
            : [0, .. Enumerable.Range(2, _rank - 2).Select(a => (long)a), 1];
        _current = Node("Transpose", layout == TensorLayout.ChannelsFirst ? "to_channels_first" : "to_channels_last", [_current], ("perm", perm));
        Layout = layout;
        return _current;
    }

    /// <summary>Makes <paramref name="tensor"/>, in <paramref name="layout"/>, the layer's output and so the next layer's input.</summary>
    public void SetOutput(string tensor, TensorLayout layout)
    {
        ArgumentException.ThrowIfNullOrEmpty(tensor);
        _current = tensor;
        Layout = layout;
    }

    /// <summary>
    /// Adds an operator of ONNX type <paramref name="opType"/> named "layer/<paramref name="name"/>" and returns
    /// that name, its output's. Attribute values are <see cref="long"/>, <see cref="float"/> or <see cref="long"/>[].
    /// </summary>
    public string Node(string opType, string name, IReadOnlyList<string> inputs, params (string Name, object Value)[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        string fullName = Qualified(name);
        foreach (var (key, value) in attributes)
            if (value is not (long or float or long[]))
                throw new ArgumentException($"Attribute '{key}' of node '{fullName}' is a {value?.GetType().Name ?? "null"}; a long, a float or a long[] is expected.", nameof(attributes));
        _nodes.Add(new GraphNode(opType, fullName, [.. inputs], [.. attributes]));
        return fullName;
    }

    /// <summary>Adds the float32 constant "layer/<paramref name="name"/>" of shape <paramref name="dims"/>, the values copied; returns its name.</summary>
    public string Constant(string name, ReadOnlySpan<float> values, long[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        long count = 1;
        foreach (long d in dims) count *= d;
        if (count != values.Length)
            throw new ArgumentException($"Constant '{Qualified(name)}' has {values.Length} values for shape ({string.Join(", ", dims)}).", nameof(values));
        return Add(new GraphConstant(Qualified(name), [.. dims], values.ToArray(), null));
    }

    /// <summary>Adds the one-axis int64 constant "layer/<paramref name="name"/>" (a shape for Reshape); returns its name.</summary>
    public string Int64Constant(string name, long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Add(new GraphConstant(Qualified(name), [values.Length], null, [.. values]));
    }

    /// <summary>Adds a float32 scalar constant (shape ()); returns its name.</summary>
    public string Scalar(string name, float value) => Constant(name, [value], []);

    /// <summary>Ends the graph: the last layer's output, back in channels-last, is the graph's output <paramref name="outputName"/>.</summary>
    internal void Finish(string outputName, ReadOnlySpan<int> outputShape)
    {
        BeginLayer("output", outputShape.Length + 1);
        string last = Input(TensorLayout.ChannelsLast);
        _nodes.Add(new GraphNode("Identity", outputName, [last], []));
        OutputName = outputName;
        _outputShape = outputShape.ToArray();
    }

    private string Add(GraphConstant constant)
    {
        _constants.Add(constant);
        return constant.Name;
    }

    private string Qualified(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _layer + "/" + name;
    }
}
