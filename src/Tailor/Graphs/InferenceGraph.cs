namespace Tailor.Graphs;

/// <summary>
/// A model's inference computation as ONNX-named operators (opset 13) over named tensors: each layer appends
/// its nodes and constants (<c>Layer.DescribeInference</c>), and an exporter translates them (Tailor.Onnx
/// writes them as an ONNX file), so the engine needs no ONNX library. The graph keeps the layout: Tailor is
/// channels-last while ONNX's Conv and pooling are channels-first, so a layer asks for its input in the layout
/// it needs (<see cref="Input(TensorLayout)"/>) and says which its output has (<see cref="SetOutput"/>), and a
/// Transpose goes in only where the layout changes. Names are the layer's: a node "conv" of layer "conv2d" is
/// "conv2d/conv" ("dense#1/gemm" for a shared layer's second call). A functional model's merge layers read
/// several tensors (<see cref="Input(int, TensorLayout)"/>), each in the layout its producer left it.
/// </summary>
public sealed class InferenceGraph
{
    private readonly List<GraphNode> _nodes = [];
    private readonly List<GraphConstant> _constants = [];
    private readonly List<string> _inputNames = [], _outputNames = [];
    private readonly List<int[]> _inputShapes = [], _outputShapes = [];
    // The inputs of the layer call being described, each with its layout and rank (the batch axis included).
    private GraphValue[] _callInputs = [];
    private string _current;
    private string _layer = "";
    // The rank of the current tensor, the batch axis included: what a Transpose permutes.
    private int _rank;

    internal InferenceGraph(string name, IReadOnlyList<(string Name, int[] Shape)> inputs)
    {
        Name = name;
        foreach (var (inputName, shape) in inputs)
        {
            _inputNames.Add(inputName);
            _inputShapes.Add([.. shape]);
        }
        _current = _inputNames[0];
    }

    /// <summary>The model's name.</summary>
    public string Name { get; }

    /// <summary>The graph's (first) input tensor, (N, per-sample shape...) channels-last.</summary>
    public string InputName => _inputNames[0];

    /// <summary>The per-sample shape of the (first) input; the batch axis is dynamic.</summary>
    public IReadOnlyList<int> InputShape => _inputShapes[0];

    /// <summary>Every input tensor of the graph, in the model's order.</summary>
    public IReadOnlyList<string> InputNames => _inputNames;

    /// <summary>The per-sample shape of each input.</summary>
    public IReadOnlyList<IReadOnlyList<int>> InputShapes => _inputShapes;

    /// <summary>The graph's (first) output tensor, named as the layer that gives it, channels-last.</summary>
    public string OutputName => _outputNames.Count > 0 ? _outputNames[0] : InputName;

    /// <summary>The per-sample shape of the (first) output; the batch axis is dynamic.</summary>
    public IReadOnlyList<int> OutputShape => _outputShapes.Count > 0 ? _outputShapes[0] : [];

    /// <summary>Every output tensor of the graph, in the model's order.</summary>
    public IReadOnlyList<string> OutputNames => _outputNames;

    /// <summary>The per-sample shape of each output.</summary>
    public IReadOnlyList<IReadOnlyList<int>> OutputShapes => _outputShapes;

    /// <summary>The operators in the order they run.</summary>
    public IReadOnlyList<GraphNode> Nodes => _nodes;

    /// <summary>The constant tensors (weights, shapes), in the order the layers gave them.</summary>
    public IReadOnlyList<GraphConstant> Constants => _constants;

    /// <summary>The layout of the current tensor: the (first) input of the layer being described, then its output once set.</summary>
    public TensorLayout Layout { get; private set; } = TensorLayout.ChannelsLast;

    /// <summary>How many tensors the layer being described reads: one, or two and more for a merge.</summary>
    public int InputCount => _callInputs.Length;

    /// <summary>The tensor the last described layer set as its output, with its layout: what the model gives the next calls.</summary>
    internal GraphValue Output => new(_current, Layout, _rank);

    /// <summary>Starts the nodes of a layer call named <paramref name="layerName"/> that reads <paramref name="inputs"/>.</summary>
    internal void BeginLayer(string layerName, IReadOnlyList<GraphValue> inputs)
    {
        _layer = layerName;
        _callInputs = [.. inputs];
        (_current, Layout, _rank) = (inputs[0].Tensor, inputs[0].Layout, inputs[0].Rank);
    }

    /// <summary>The layer's (first) input as it is, in <see cref="Layout"/> (for operators that work in either).</summary>
    public string Input() => _current;

    /// <summary>The layer's (first) input in <paramref name="layout"/>, behind a Transpose when it is in the other one.</summary>
    public string Input(TensorLayout layout)
    {
        if (layout == Layout) return _current;
        _current = Transpose(_current, _rank, layout, "");
        Layout = layout;
        _callInputs[0] = new GraphValue(_current, layout, _rank);
        return _current;
    }

    /// <summary>Input <paramref name="index"/> of a merge in <paramref name="layout"/>, behind a Transpose when it is in the other one.</summary>
    public string Input(int index, TensorLayout layout)
    {
        if ((uint)index >= (uint)_callInputs.Length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Layer '{_layer}' reads {_callInputs.Length} inputs.");
        if (index == 0) return Input(layout);
        var value = _callInputs[index];
        if (value.Layout == layout) return value.Tensor;
        string tensor = Transpose(value.Tensor, value.Rank, layout, $"_{index}");
        _callInputs[index] = new GraphValue(tensor, layout, value.Rank);
        return tensor;
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

    /// <summary>Makes <paramref name="value"/>, back in channels-last, the graph's output <paramref name="outputName"/>.</summary>
    internal void AddOutput(string outputName, GraphValue value, ReadOnlySpan<int> outputShape)
    {
        BeginLayer(_outputNames.Count == 0 ? "output" : $"output_{_outputNames.Count}", [value]);
        string last = Input(TensorLayout.ChannelsLast);
        _nodes.Add(new GraphNode("Identity", outputName, [last], []));
        _outputNames.Add(outputName);
        _outputShapes.Add(outputShape.ToArray());
    }

    private string Transpose(string tensor, int rank, TensorLayout layout, string suffix)
    {
        long[] perm = layout == TensorLayout.ChannelsFirst
            ? [0, rank - 1, .. Enumerable.Range(1, rank - 2).Select(a => (long)a)]
            : [0, .. Enumerable.Range(2, rank - 2).Select(a => (long)a), 1];
        return Node("Transpose", (layout == TensorLayout.ChannelsFirst ? "to_channels_first" : "to_channels_last") + suffix, [tensor], ("perm", perm));
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

/// <summary>A tensor of an <see cref="InferenceGraph"/> between layer calls: its name, layout and rank (the batch axis included).</summary>
internal readonly record struct GraphValue(string Tensor, TensorLayout Layout, int Rank);
