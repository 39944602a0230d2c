using Onnx;
using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Layers.Normalization;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;

namespace Tailor.Serialization.OnnxImporting;

/// <summary>
/// A layer made from an ONNX node, with the values of its parameters in the layer's order and layouts, and what it
/// reads: the index of each layer whose output it takes, -1 for the graph's input.
/// </summary>
internal sealed record ImportedLayer(Layer Layer, NodeProto Node, float[][] Weights, int[] Inputs);

/// <summary>The imported model: how Tailor takes the input, the layers in an order they can run, and the layer that gives the output.</summary>
internal sealed record ImportedGraph(TensorMap Input, IReadOnlyList<ImportedLayer> Layers, int Output)
{
    /// <summary>Whether each layer reads the one before (the first, the input) and the last gives the output: a Sequential.</summary>
    public bool IsChain => Output == Layers.Count - 1 && Layers.Select((layer, i) => layer.Inputs is [var from] && from == i - 1).All(linked => linked);
}

/// <summary>
/// Turns ONNX operators, in the order they run, into Tailor layers holding the same weights in Keras's layouts.
/// It follows where each tensor's values sit in Tailor's (<see cref="TensorMap"/>): Conv and pooling read
/// channels-first tensors that Tailor holds channels-last; Transpose, Reshape and Flatten move no values, so a
/// Dense after them gets its kernel rows in Tailor's order. An activation right after a Conv or Dense becomes
/// that layer's activation (Keras's way) when the activation is the Conv's or Dense's only reader; elsewhere an
/// Activation layer. Each operator is one method over the tensor it reads, looked up by name with the layer that
/// gives it. Add, Sub, Mul, Sum, Max, Mean and Concat of computed tensors become Tailor's merge layers (a residual
/// block's Add); ONNX's channels axis of channels-first images is Tailor's last.
/// </summary>
internal sealed class LayerMapping
{
    private static readonly string Supported =
        "Conv, Gemm, MatMul (+ Add of a bias), MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, ReduceMean, ReduceMax, BatchNormalization, " +
        "Relu, Sigmoid, Tanh, Elu, LeakyRelu, Gelu, Softmax, Flatten, Reshape, Transpose, Pad (of zeros), Dropout, Identity, " +
        "and Add, Sub, Mul, Sum, Max, Mean, Concat of computed tensors";

    private readonly OnnxGraph _graph;
    private readonly NodeOrder _order;
    private readonly List<ImportedLayer> _layers = [];
    /// <summary>Each computed tensor by name: where its values sit in Tailor's, and the layer that gives it (-1: the graph's input).</summary>
    private readonly Dictionary<string, (TensorMap Map, int Source)> _values = new(StringComparer.Ordinal);
    /// <summary>The tensor the node being converted reads, and its layer; layers appended read it and replace it.</summary>
    private TensorMap _tensor;
    private int _source = -1;

    private LayerMapping(OnnxGraph graph, NodeOrder order, TensorMap input)
    {
        _graph = graph;
        _order = order;
        _tensor = input;
        _values[graph.InputName] = (input, -1);
    }

    /// <summary>The Tailor input (per-sample shape and order) and the layers for the nodes of <paramref name="order"/>.</summary>
    public static ImportedGraph Convert(OnnxGraph graph, NodeOrder order)
    {
        var input = InputLayout(graph, order);
        var mapping = new LayerMapping(graph, order, input);
        var absorbed = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        foreach (var node in order.Nodes)
            if (!absorbed.Contains(node)) mapping.Convert(node, absorbed);
        mapping.Finish();
        return new ImportedGraph(input, mapping._layers, mapping._source);
    }

    /// <summary>Converts <paramref name="node"/> and the followers it absorbs (a bias Add, an activation), and names the result.</summary>
    private void Convert(NodeProto node, HashSet<NodeProto> absorbed)
    {
        if (IsMerge(node))
        {
            Merge(node);
            _values[node.Output[0]] = (_tensor, _source);
            return;
        }
        var inputs = NodeOrder.DataInputs(_graph, node).ToList();
        if (inputs.Count != 1)
            throw _graph.Error(node, $"takes {inputs.Count} computed inputs ({string.Join(", ", inputs.Select(i => $"'{i}'"))}); Tailor merges computed tensors only by Add, Sub, Mul, Sum, Max, Mean and Concat, and reads the other inputs of a {node.OpType} as constants.");
        (_tensor, _source) = _values[inputs[0]];
        var next = _order.Follower(node);
        var afterNext = next == null ? null : _order.Follower(next);
        int taken = Convert(node, next, afterNext);
        var last = taken switch { 1 => node, 2 => next!, _ => afterNext! };
        if (taken >= 2) absorbed.Add(next!);
        if (taken == 3) absorbed.Add(afterNext!);
        _values[last.Output[0]] = (_tensor, _source);
    }

    /// <summary>Converts <paramref name="node"/>, absorbing <paramref name="next"/> (and <paramref name="afterNext"/>) where it can; returns how many it took.</summary>
    private int Convert(NodeProto node, NodeProto? next, NodeProto? afterNext)
    {
        switch (node.OpType)
        {
            case "Identity": new NodeAttributes(_graph, node); return 1;
            case "Transpose": _tensor = Transposed(_graph, node, _tensor); return 1;
            case "Reshape": _tensor = Reshaped(_graph, node, _tensor); return 1;
            case "Flatten": _tensor = Flattened(_graph, node, _tensor); return 1;
            case "Pad": CheckZeroPads(_graph, node); return 1;
            case "Dropout": Dropout(node); return 1;
            case "Conv": return Conv(node, next);
            case "Gemm": return Gemm(node, next);
            case "MatMul": return MatMul(node, next, afterNext);
            case "MaxPool" or "AveragePool": Pool(node); return 1;
            case "GlobalAveragePool" or "GlobalMaxPool": GlobalPool(node); return 1;
            case "ReduceMean" or "ReduceMax": Reduce(node); return 1;
            case "BatchNormalization": BatchNorm(node); return 1;
            case "Sum" or "Max" or "Mean" when node.Input.Count == 1:
                new NodeAttributes(_graph, node);
                return 1;
            case "Add" or "Sub" or "Mul" or "Div" or "Sum" or "Max" or "Mean":
                string operand = node.Input.FirstOrDefault(_graph.IsConstant) is { } constant ? $"a constant ('{constant}')" : "its input and itself";
                throw _graph.Error(node, $"{Verb(node.OpType)} {operand}; Tailor has no layer for that (it imports Add of a constant only as the bias right after a MatMul).");
            case "Concat":
                throw _graph.Error(node, "concatenates its input with constants; Tailor has no layer for that.");
            default:
                if (ActivationOf(node, _tensor) is not { } activation)
                    throw _graph.Error(node, $"operator {node.OpType} has no Tailor layer. Tailor imports {Supported}.");
                // Tailor's softmax runs over the last axis: the features, or the channels of a channels-last tensor.
                if (_tensor.Onnx.Length == 1) TailorShape([_tensor.Size], node);
                else if (activation == Activation.Softmax && _tensor.IsChannelsLast && !_tensor.InOnnxOrder) ChannelsLastInput(node);
                else if (activation == Activation.Softmax) TailorShape(_tensor.Onnx, node);
                Append(node, new ActivationLayer(activation), [], _tensor);
                return 1;
        }
    }

    private static string Verb(string op) => op switch
    {
        "Add" or "Sum" => "adds", "Sub" => "subtracts", "Mul" => "multiplies by", "Max" => "takes the maximum with", "Mean" => "averages with", _ => "divides by",
    };

    /// <summary>Whether <paramref name="node"/> merges two or more computed tensors (no constants), as Tailor's merge layers do.</summary>
    private bool IsMerge(NodeProto node) =>
        node.OpType is "Add" or "Sub" or "Mul" or "Sum" or "Max" or "Mean" or "Concat"
        && node.Input.Count >= 2 && node.Input.All(i => i.Length > 0 && !_graph.IsConstant(i));

    /// <summary>
    /// A merge layer over the tensors <paramref name="node"/> reads. Element-wise merges need inputs of one shape (ONNX
    /// broadcasts; Tailor does not). The inputs must sit in Tailor's layers in one order: all channels-last images
    /// (then ONNX's Concat over the channels, axis 1, is Tailor's last axis), or all in ONNX's order.
    /// </summary>
    private void Merge(NodeProto node)
    {
        bool concat = node.OpType == "Concat";
        var attributes = concat ? new NodeAttributes(_graph, node, "axis") : new NodeAttributes(_graph, node);
        var inputs = node.Input.Select(name => (Name: name, Value: _values[name])).ToList();
        var first = inputs[0].Value.Map.Onnx;
        string type = node.OpType switch { "Add" or "Sum" => "Add", "Sub" => "Subtract", "Mul" => "Multiply", "Max" => "Maximum", "Mean" => "Average", _ => "Concatenate" };
        int axis = -1;
        if (concat)
        {
            if (!attributes.Has("axis")) throw attributes.Error("axis", "attribute axis is missing; Concat needs it.");
            long given = attributes.Int("axis", 1), normalized = given < 0 ? given + first.Length + 1 : given;
            if (normalized == 0) throw attributes.Refuse("axis", given, "it joins along the batch axis; Tailor's Concatenate keeps the batch and joins the samples' own axes.");
            if (normalized < 0 || normalized > first.Length) throw attributes.Refuse("axis", given, $"its inputs {TensorMap.Format(first)} have {first.Length + 1} axes.");
            axis = (int)normalized - 1;
        }
        foreach (var (name, value) in inputs.Skip(1))
        {
            var shape = value.Map.Onnx;
            bool fits = shape.Length == first.Length && shape.Select((d, i) => i == axis || d == first[i]).All(same => same);
            if (!fits)
                throw _graph.Error(node, concat
                    ? $"inputs '{inputs[0].Name}' {TensorMap.Format(first)} and '{name}' {TensorMap.Format(shape)} differ on an axis other than the joined one ({axis + 1}); Tailor's Concatenate joins inputs that agree on every other axis."
                    : $"inputs '{inputs[0].Name}' {TensorMap.Format(first)} and '{name}' {TensorMap.Format(shape)} differ in shape; Tailor's {type} takes inputs of one shape (ONNX's broadcasting is not imported).");
        }
        bool channelsLast = first.Length > 1 && inputs.All(i => i.Value.Map.IsChannelsLast);
        if (!channelsLast && !inputs.All(i => i.Value.Map.InOnnxOrder))
            throw _graph.Error(node, $"its inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}) sit in Tailor's layers in different orders (channels-last images beside values a Transpose or Flatten moved); Tailor's {type} merges values held in one order.");
        int[] onnx = [.. first];
        if (concat) onnx[axis] = inputs.Sum(i => i.Value.Map.Onnx[axis]);
        var sources = new int[inputs.Count];
        var shapes = new int[inputs.Count][];
        for (int i = 0; i < inputs.Count; i++)
        {
            (_tensor, _source) = inputs[i].Value;
            TailorShape(channelsLast ? TensorMap.ChannelsLastShape(_tensor.Onnx) : _tensor.Onnx, node);
            (sources[i], shapes[i]) = (_source, _tensor.Tailor);
        }
        // Keras counts the batch as axis 0; ONNX's channels (per-sample axis 0) are Tailor's last axis, -1.
        int kerasAxis = !channelsLast ? axis + 1 : axis == 0 ? -1 : axis;
        MultiInputLayer layer = type switch
        {
            "Add" => new Add(), "Subtract" => new Subtract(), "Multiply" => new Multiply(), "Maximum" => new Maximum(), "Average" => new Average(),
            _ => new Concatenate(kerasAxis),
        };
        var output = channelsLast ? TensorMap.ChannelsLast(onnx) : TensorMap.Same(onnx);
        int[] computed;
        try { computed = layer.ComputeOutputShape(shapes); }
        catch (ArgumentException e) { throw _graph.Error(node, $"Tailor's {layer.TypeName} cannot take its inputs: {ErrorText.Of(e)}", innerException: e); }
        if (!computed.AsSpan().SequenceEqual(output.Tailor))
            throw _graph.Error(node, $"Tailor's {layer.TypeName} computes {TensorMap.Format(computed)} where the node computes {TensorMap.Format(output.Tailor)} (channels-last).");
        _layers.Add(new ImportedLayer(layer, node, [], sources));
        (_tensor, _source) = (output, _layers.Count - 1);
    }

    private void Dropout(NodeProto node)
    {
        float rate;
        if (_graph.Opset < 12)
        {
            var attributes = new NodeAttributes(_graph, node, "ratio");
            rate = attributes.Float("ratio", 0.5f);
        }
        else
        {
            new NodeAttributes(_graph, node, "seed");
            rate = OnnxGraph.HasInput(node, 1) ? Scalar(node, 1, "ratio") : 0.5f;
            if (OnnxGraph.HasInput(node, 2) && _graph.Flags(node, 2, "training_mode").Any(v => v != 0))
                throw _graph.Error(node, "input training_mode is true, so the node drops values when the model predicts; Tailor's Dropout drops only while training.");
        }
        if (!(rate >= 0 && rate < 1)) throw _graph.Error(node, $"ratio {rate} is not in [0, 1).", "ratio");
        if (rate > 0) Append(node, new Dropout(rate), [], _tensor);
    }

    private int Conv(NodeProto node, NodeProto? next)
    {
        var attributes = new NodeAttributes(_graph, node, "auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
        int spatial = _tensor.Onnx.Length - 1;
        if (spatial is not (1 or 2))
            throw _graph.Error(node, $"its input {TensorMap.Format(_tensor.Onnx)} has {spatial} spatial axes; Tailor has Conv1D (one) and Conv2D (two).");
        long group = attributes.Int("group", 1);
        if (group != 1) throw attributes.Refuse("group", group, "Tailor's convolutions are not grouped (depthwise); only group=1 imports.");
        var dilations = attributes.Ints("dilations");
        if (spatial == 2 && dilations != null && dilations.Any(d => d != 1))
            throw attributes.Refuse("dilations", dilations, "Tailor's Conv2D has no dilation; only dilations=[1, 1] imports.");
        ChannelsLastInput(node);
        int channels = _tensor.Onnx[0];
        var positions = _tensor.Onnx[1..];
        var (w, wDims) = _graph.Floats(node, 1, "W");
        if (wDims.Length != 2 + spatial || wDims[1] != channels)
            throw _graph.Error(node, $"input W ('{node.Input[1]}') has shape ({string.Join(", ", wDims)}); expected (filters, {channels}, {(spatial == 2 ? "kh, kw" : "k")}) for its input {TensorMap.Format(_tensor.Onnx)}.");
        int filters = wDims[0];
        var bias = OptionalVector(node, 2, "B", filters);
        var window = Window.Read(attributes, "Conv", positions, wDims[2..], ceilMode: false, causal: spatial == 1);
        if (spatial == 1 && window.Dilations[0] > 1 && window.Strides[0] > 1)
            throw attributes.Refuse("dilations", window.Dilations, $"with strides {NodeAttributes.Format(window.Strides)}: Tailor's Conv1D (as Keras's) does not dilate a strided kernel.");

        // ONNX's (filters, in, window...) kernel as Keras's (window..., in, filters).
        int taps = w.Length / (filters * channels);
        var kernel = new float[w.Length];
        for (int o = 0; o < filters; o++)
            for (int c = 0; c < channels; c++)
                for (int t = 0; t < taps; t++)
                    kernel[(t * channels + c) * filters + o] = w[(o * channels + c) * taps + t];
        var output = TensorMap.ChannelsLast([filters, .. window.Output]);
        var (activation, taken) = Absorb(next, output);
        Layer layer = spatial == 2
            ? Create(node, () => new Conv2D(filters, (window.Kernel[0], window.Kernel[1]), (window.Strides[0], window.Strides[1]), window.Padding, activation, bias != null))
            : Create(node, () => new Conv1D(filters, window.Kernel[0], window.Strides[0], window.Padding, window.Dilations[0], activation, bias != null));
        Append(node, layer, bias != null ? [kernel, bias] : [kernel], output);
        return taken;
    }

    private int Gemm(NodeProto node, NodeProto? next)
    {
        var attributes = new NodeAttributes(_graph, node, "alpha", "beta", "transA", "transB");
        long transA = attributes.Int("transA", 0), transB = attributes.Int("transB", 0);
        if (transA != 0) throw attributes.Refuse("transA", transA, "it multiplies the transposed input, mixing the samples of a batch; Tailor's Dense computes x W + b, only transA=0 imports.");
        if (transB is not (0 or 1)) throw attributes.Refuse("transB", transB, "expected 0 or 1.");
        float alpha = attributes.Float("alpha", 1f), beta = attributes.Float("beta", 1f);
        if (alpha != 1f) throw attributes.Refuse("alpha", alpha, "Tailor's Dense computes x W + b; only alpha=1 imports exactly.");
        int features = FeaturesInput(node);
        var (b, dims) = _graph.Floats(node, 1, "B");
        if (dims.Length != 2 || dims[transB == 1 ? 1 : 0] != features)
            throw _graph.Error(node, $"input B ('{node.Input[1]}') has shape ({string.Join(", ", dims)}); expected {(transB == 1 ? "(units, " + features + ")" : "(" + features + ", units)")} for its input (N, {features}).");
        int units = dims[transB == 1 ? 0 : 1];
        var bias = OptionalVector(node, 2, "C", units);
        if (bias != null && beta != 1f) throw attributes.Refuse("beta", beta, "Tailor's Dense adds its bias as it is; only beta=1 imports exactly.");
        var weights = transB == 1 ? Transpose(b, units, features) : b;
        return Dense(node, weights, features, units, bias, next);
    }

    private int MatMul(NodeProto node, NodeProto? next, NodeProto? afterNext)
    {
        new NodeAttributes(_graph, node);
        if (_graph.IsConstant(node.Input[0]))
            throw _graph.Error(node, $"multiplies a constant ('{node.Input[0]}') by its computed input; Tailor's Dense computes x W, the computed input first.");
        int features = FeaturesInput(node);
        var (w, dims) = _graph.Floats(node, 1, "B");
        if (dims.Length != 2 || dims[0] != features)
            throw _graph.Error(node, $"input B ('{node.Input[1]}') has shape ({string.Join(", ", dims)}); expected ({features}, units) for its input (N, {features}).");
        int units = dims[1];
        // MatMul then Add of a constant vector: a Dense with a bias.
        if (next is { OpType: "Add" } && next.Input.Count == 2 && next.Input.Count(_graph.IsConstant) == 1)
        {
            new NodeAttributes(_graph, next);
            int at = _graph.IsConstant(next.Input[0]) ? 0 : 1;
            var bias = OptionalVector(next, at, "B", units);
            return 1 + Dense(node, w, features, units, bias, afterNext);
        }
        return Dense(node, w, features, units, null, next);
    }

    /// <summary>A Dense of <paramref name="weights"/>, (features, units) in ONNX's order of the features; returns the nodes taken.</summary>
    private int Dense(NodeProto node, float[] weights, int features, int units, float[]? bias, NodeProto? next)
    {
        var order = _tensor.Order;
        TailorShape([features], node);
        var kernel = new float[weights.Length];
        for (int f = 0; f < features; f++)
            weights.AsSpan(f * units, units).CopyTo(kernel.AsSpan((order?[f] ?? f) * units, units));
        var output = TensorMap.Same([units]);
        var (activation, taken) = Absorb(next, output);
        Append(node, Create(node, () => new Dense(units, activation, bias != null)), bias != null ? [kernel, bias] : [kernel], output);
        return taken;
    }

    private void Pool(NodeProto node)
    {
        bool max = node.OpType == "MaxPool";
        var attributes = max
            ? new NodeAttributes(_graph, node, "auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides")
            : new NodeAttributes(_graph, node, "auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides");
        int spatial = _tensor.Onnx.Length - 1;
        if (spatial is not (1 or 2))
            throw _graph.Error(node, $"its input {TensorMap.Format(_tensor.Onnx)} has {spatial} spatial axes; Tailor pools over one or two.");
        if (attributes.Ints("dilations") is { } dilations && dilations.Any(d => d != 1))
            throw attributes.Refuse("dilations", dilations, "Tailor's pooling has no dilation.");
        ChannelsLastInput(node);
        var positions = _tensor.Onnx[1..];
        var window = Window.Read(attributes, node.OpType, positions, null, ceilMode: true, causal: false);
        long includePad = max ? 0 : attributes.Int("count_include_pad", 0);
        if (includePad != 0 && window.Pads(positions))
            throw attributes.Refuse("count_include_pad", includePad, "its windows cover padding, which Tailor's average (as Keras's) leaves out of the mean; only count_include_pad=0 imports here.");
        var (k, s, p) = (window.Kernel, window.Strides, window.Padding);
        Layer layer = (max, spatial) switch
        {
            (true, 2) => Create(node, () => new MaxPooling2D((k[0], k[1]), (s[0], s[1]), p)),
            (true, _) => Create(node, () => new MaxPooling1D(k[0], s[0], p)),
            (false, 2) => Create(node, () => new AveragePooling2D((k[0], k[1]), (s[0], s[1]), p)),
            (false, _) => Create(node, () => new AveragePooling1D(k[0], s[0], p)),
        };
        Append(node, layer, [], TensorMap.ChannelsLast([_tensor.Onnx[0], .. window.Output]));
    }

    private void GlobalPool(NodeProto node)
    {
        new NodeAttributes(_graph, node);
        int spatial = _tensor.Onnx.Length - 1;
        if (spatial is not (1 or 2))
            throw _graph.Error(node, $"its input {TensorMap.Format(_tensor.Onnx)} has {spatial} spatial axes; Tailor pools over one or two.");
        ChannelsLastInput(node);
        int channels = _tensor.Onnx[0];
        AddGlobalPool(node, node.OpType == "GlobalMaxPool", spatial, [channels, .. Enumerable.Repeat(1, spatial)]);
    }

    /// <summary>ReduceMean or ReduceMax over every position of a channels-first or channels-last tensor: global pooling.</summary>
    private void Reduce(NodeProto node)
    {
        var attributes = _graph.Opset >= 18
            ? new NodeAttributes(_graph, node, "keepdims", "noop_with_empty_axes")
            : new NodeAttributes(_graph, node, "axes", "keepdims");
        int rank = _tensor.Onnx.Length + 1, spatial = rank - 2;
        long[] axes = (_graph.Opset >= 18 ? OnnxGraph.HasInput(node, 1) ? _graph.Int64s(node, 1, "axes") : null : attributes.Ints("axes")) ?? [];
        var normalized = axes.Select(a => a < 0 ? a + rank : a).Distinct().Order().ToArray();
        long keep = attributes.Int("keepdims", 1);
        long[] channelsFirst = [.. Enumerable.Range(2, Math.Max(spatial, 0)).Select(a => (long)a)];
        long[] channelsLast = [.. Enumerable.Range(1, Math.Max(spatial, 0)).Select(a => (long)a)];
        bool first = spatial is 1 or 2 && _tensor.IsChannelsLast && normalized.SequenceEqual(channelsFirst);
        bool last = !first && spatial is 1 or 2 && _tensor.InOnnxOrder && normalized.SequenceEqual(channelsLast);
        if (!first && !last)
            throw attributes.Refuse("axes", axes,
                $"Tailor reduces over every position of an image or sequence (global pooling): axes {NodeAttributes.Format(channelsFirst)} of a channels-first {TensorMap.Format(_tensor.Onnx)} or {NodeAttributes.Format(channelsLast)} of a channels-last one, with the values where Tailor's channels-last layers hold them.");
        if (keep is not (0 or 1)) throw attributes.Refuse("keepdims", keep, "expected 0 or 1.");
        int channels = first ? _tensor.Onnx[0] : _tensor.Onnx[^1];
        if (first) ChannelsLastInput(node);
        else TailorShape(_tensor.Onnx, node);
        var ones = Enumerable.Repeat(1, spatial).ToArray();
        int[] onnx = keep == 0 ? [channels] : first ? [channels, .. ones] : [.. ones, channels];
        AddGlobalPool(node, node.OpType == "ReduceMax", spatial, onnx);
    }

    private void AddGlobalPool(NodeProto node, bool max, int spatial, int[] onnxOutput)
    {
        Layer layer = (max, spatial) switch
        {
            (true, 2) => new GlobalMaxPooling2D(),
            (true, _) => new GlobalMaxPooling1D(),
            (false, 2) => new GlobalAveragePooling2D(),
            (false, _) => new GlobalAveragePooling1D(),
        };
        int channels = _tensor.Tailor[^1];
        Append(node, layer, [], TensorMap.Same([channels]).Reshaped(onnxOutput));
    }

    private void BatchNorm(NodeProto node)
    {
        var attributes = new NodeAttributes(_graph, node, "epsilon", "momentum", "training_mode");
        long training = attributes.Int("training_mode", 0);
        if (training != 0) throw attributes.Refuse("training_mode", training, "the node normalizes by the batch's statistics when the model predicts; only training_mode=0 (the running statistics) imports.");
        float epsilon = attributes.Float("epsilon", 1e-5f), momentum = attributes.Float("momentum", 0.9f);
        // Features (N, C) may arrive in any order (a Flatten of channels-first values): the per-feature
        // parameters follow them. Images and sequences must be channels-first, the channels ONNX's axis 1.
        int[]? order = null;
        if (_tensor.Onnx.Length == 1)
        {
            order = _tensor.Order;
            TailorShape([_tensor.Size], node);
        }
        else ChannelsLastInput(node);
        int channels = _tensor.Onnx[0];
        var weights = new float[4][];
        string[] roles = ["scale", "B", "input_mean", "input_var"];
        for (int k = 0; k < 4; k++)
        {
            var values = OptionalVector(node, k + 1, roles[k], channels)
                ?? throw _graph.Error(node, $"has no input {roles[k]} (input {k + 1}).");
            weights[k] = order == null ? values : Permute(values, order);
        }
        Append(node, Create(node, () => new BatchNormalization(momentum: momentum, epsilon: epsilon)), weights, _tensor);
    }

    /// <summary>
    /// The activation <paramref name="node"/> computes on <paramref name="input"/>, in Tailor's terms, or null when
    /// the node is no activation; an activation Tailor cannot reproduce exactly is refused naming the attribute.
    /// </summary>
    private Activation? ActivationOf(NodeProto? node, TensorMap input)
    {
        switch (node?.OpType)
        {
            case "Relu": new NodeAttributes(_graph, node); return Activation.Relu;
            case "Sigmoid": new NodeAttributes(_graph, node); return Activation.Sigmoid;
            case "Tanh": new NodeAttributes(_graph, node); return Activation.Tanh;
            case "Elu":
            {
                var attributes = new NodeAttributes(_graph, node, "alpha");
                float alpha = attributes.Float("alpha", 1f);
                if (alpha != Activations.EluAlpha) throw attributes.Refuse("alpha", alpha, $"Tailor's elu (as Keras's) has alpha {Activations.EluAlpha}.");
                return Activation.Elu;
            }
            case "LeakyRelu":
            {
                var attributes = new NodeAttributes(_graph, node, "alpha");
                float alpha = attributes.Float("alpha", 0.01f);
                if (alpha != Activations.LeakySlope) throw attributes.Refuse("alpha", alpha, $"Tailor's leaky_relu (as Keras's) has slope {Activations.LeakySlope}.");
                return Activation.LeakyRelu;
            }
            case "Gelu":
            {
                var attributes = new NodeAttributes(_graph, node, "approximate");
                string approximate = attributes.String("approximate") ?? "none";
                if (approximate != "none") throw attributes.Refuse("approximate", approximate, "Tailor's gelu is the exact one (erf); only approximate='none' imports.");
                return Activation.Gelu;
            }
            case "Softmax":
            {
                var attributes = new NodeAttributes(_graph, node, "axis");
                int rank = input.Onnx.Length + 1;
                long axis = attributes.Int("axis", _graph.Opset >= 13 ? -1 : 1);
                long a = axis < 0 ? axis + rank : axis;
                // Before opset 13 Softmax ran over all the axes from `axis` on: the same only for the last axis.
                bool overFeatures = rank == 2 && a == 1;
                bool overChannels = _graph.Opset >= 13 && a == 1 && input.IsChannelsLast;
                bool overLastAxis = a == rank - 1 && input.InOnnxOrder;
                if (!(overFeatures || overChannels || overLastAxis))
                    throw attributes.Refuse("axis", axis, $"on {TensorMap.Format(input.Onnx)} Tailor's softmax runs over the features of (N, features) or over the channels.");
                return Activation.Softmax;
            }
            default: return null;
        }
    }

    /// <summary>The activation of <paramref name="next"/> when it is one (the layer then takes it, and two nodes are used), else linear.</summary>
    private (Activation Activation, int Taken) Absorb(NodeProto? next, TensorMap output) =>
        ActivationOf(next, output) is { } activation ? (activation, 2) : (Activation.Linear, 1);

    /// <summary>Moves the current tensor to Tailor's channels-last shape, which Conv and pooling read, or refuses the node.</summary>
    private void ChannelsLastInput(NodeProto node)
    {
        if (!_tensor.IsChannelsLast)
            throw _graph.Error(node,
                $"its channels-first input {TensorMap.Format(_tensor.Onnx)} reaches it in an order that Tailor's channels-last layers cannot take (Transposes before it move the channels); Tailor has no Permute layer.");
        TailorShape(TensorMap.ChannelsLastShape(_tensor.Onnx), node);
    }

    /// <summary>The (N, features) input of a Gemm or MatMul: its number of features.</summary>
    private int FeaturesInput(NodeProto node)
    {
        if (_tensor.Onnx.Length != 1)
            throw _graph.Error(node, $"its input A has shape {TensorMap.Format(_tensor.Onnx)}; Tailor's Dense takes (N, features) (Flatten first).");
        return _tensor.Onnx[0];
    }

    /// <summary>Gives Tailor's tensor the shape <paramref name="shape"/> (same values, same order) through a Flatten or Reshape layer when it has another.</summary>
    private void TailorShape(int[] shape, NodeProto node)
    {
        if (_tensor.Tailor.AsSpan().SequenceEqual(shape)) return;
        Append(node, shape.Length == 1 ? new Flatten() : new Reshape(shape), [], _tensor.WithTailorShape(shape));
    }

    private void Append(NodeProto node, Layer layer, float[][] weights, TensorMap output)
    {
        int[] computed;
        try { computed = layer.ComputeOutputShape(_tensor.Tailor); }
        catch (ArgumentException e) { throw _graph.Error(node, $"Tailor's {layer.TypeName} cannot take its input: {ErrorText.Of(e)}", innerException: e); }
        if (!computed.AsSpan().SequenceEqual(output.Tailor))
            throw _graph.Error(node, $"Tailor's {layer.TypeName} computes {TensorMap.Format(computed)} where the node computes {TensorMap.Format(output.Tailor)} (channels-last).");
        _layers.Add(new ImportedLayer(layer, node, weights, [_source]));
        (_tensor, _source) = (output, _layers.Count - 1);
    }

    private T Create<T>(NodeProto node, Func<T> create) where T : Layer
    {
        try { return create(); }
        catch (ArgumentException e) { throw _graph.Error(node, $"Tailor's layer refuses its settings: {ErrorText.Of(e)}", innerException: e); }
    }

    private void Finish()
    {
        (_tensor, _source) = _values[_graph.OutputName];
        var last = _order.Nodes.Last(n => n.Output.Contains(_graph.OutputName));
        if (!_tensor.InOnnxOrder)
            throw _graph.Error(null,
                $"the graph's output '{_graph.OutputName}' {TensorMap.Format(_tensor.Onnx)} is channels-first; Tailor's layers would give it channels-last, {TensorMap.Format(_tensor.Tailor)}. End the model with Flatten and Gemm, a global pooling, or a Transpose to channels-last.");
        TailorShape(_tensor.Onnx, last);
        if (_graph.DeclaredOutputShape is { } declared
            && (declared.Length != _tensor.Onnx.Length || declared.Zip(_tensor.Onnx).Any(p => p.First != -1 && p.First != p.Second)))
            throw _graph.Error(null,
                $"the graph's output '{_graph.OutputName}' is declared (N, {string.Join(", ", declared.Select(d => d == -1 ? "?" : d.ToString()))}), but its operators compute {TensorMap.Format(_tensor.Onnx)}.");
        if (_layers.Count == 0)
            throw _graph.Error(null, "the graph computes nothing a layer holds (only reshapes, transposes or identities); a Tailor model has at least one layer.");
    }

    /// <summary>
    /// How Tailor takes the graph's input. An image input (N, C, H, W) is given channels-last, (H, W, C), as Tailor's
    /// images are; but where the Transposes and Reshapes before the first Conv or pooling show that the input is
    /// already channels-last (a model Tailor exported: (N, H, W, C), then a Transpose), it is taken as it is. The
    /// probe follows the input's first reader, then that node's, up to the first node that decides.
    /// </summary>
    private static TensorMap InputLayout(OnnxGraph graph, NodeOrder nodes)
    {
        var input = graph.InputShape;
        var probe = TensorMap.Same(input);
        string tensor = graph.InputName;
        while (nodes.Consumers(tensor).FirstOrDefault() is { } node)
        {
            tensor = node.Output[0];
            switch (node.OpType)
            {
                case "Transpose": probe = Transposed(graph, node, probe); continue;
                case "Reshape": probe = Reshaped(graph, node, probe); continue;
                case "Flatten": probe = Flattened(graph, node, probe); continue;
                case "Identity" or "Dropout" or "Pad" or "Relu" or "Sigmoid" or "Tanh" or "Elu" or "LeakyRelu" or "Gelu": continue;
                case "Conv" or "MaxPool" or "AveragePool" or "GlobalAveragePool" or "GlobalMaxPool":
                case "BatchNormalization" when probe.Onnx.Length > 1:
                    break;
                default:
                    return input.Length == 3 ? TensorMap.ChannelsLast(input) : TensorMap.Same(input);
            }
            // This node reads probe.Onnx channels-first, which Tailor must hold channels-last: where each of its values
            // comes from in the input, and where Tailor must hold it.
            var wanted = TensorMap.ChannelsLastOrder(probe.Onnx);
            var order = new int[wanted.Length];
            for (int j = 0; j < wanted.Length; j++) order[probe.Order?[j] ?? j] = wanted[j];
            if (input.Length > 1 && order.AsSpan().SequenceEqual(TensorMap.ChannelsLastOrder(input))) return TensorMap.ChannelsLast(input);
            if (order.Select((o, i) => o == i).All(same => same)) return TensorMap.Same(input);
            throw graph.Error(node, $"the graph's input {TensorMap.Format(input)} reaches it through Transposes and Reshapes that leave its channels neither first nor last; Tailor has no Permute layer.");
        }
        return input.Length == 3 ? TensorMap.ChannelsLast(input) : TensorMap.Same(input);
    }

    private static TensorMap Transposed(OnnxGraph graph, NodeProto node, TensorMap tensor)
    {
        var attributes = new NodeAttributes(graph, node, "perm");
        int rank = tensor.Onnx.Length + 1;
        var perm = attributes.Ints("perm") ?? throw attributes.Error("perm",
            "attribute perm is missing, so the Transpose reverses every axis and moves the batch; Tailor's layers keep the batch first.");
        if (perm.Length != rank || !perm.Order().SequenceEqual(Enumerable.Range(0, rank).Select(a => (long)a)))
            throw attributes.Refuse("perm", perm, $"expected a permutation of the {rank} axes of its input {TensorMap.Format(tensor.Onnx)}.");
        if (perm[0] != 0) throw attributes.Refuse("perm", perm, "it moves the batch axis; Tailor's layers keep the batch first.");
        return tensor.Transposed(perm.Skip(1).Select(p => (int)p - 1).ToArray());
    }

    private static TensorMap Reshaped(OnnxGraph graph, NodeProto node, TensorMap tensor)
    {
        var attributes = new NodeAttributes(graph, node, "allowzero");
        var target = graph.Int64s(node, 1, "shape");
        long allowZero = attributes.Int("allowzero", 0);
        if (target.Length < 2)
            throw graph.Error(node, $"input shape ('{node.Input[1]}') is [{string.Join(", ", target)}]; Tailor keeps the batch axis and at least one more.");
        if (allowZero != 0 && target.Contains(0))
            throw attributes.Refuse("allowzero", allowZero, $"with shape [{string.Join(", ", target)}] it makes an empty tensor.");
        long size = tensor.Size;
        int inferred = -1;
        var shape = new long[target.Length - 1];
        for (int i = 1; i < target.Length; i++)
        {
            long d = target[i] == 0 && i - 1 < tensor.Onnx.Length ? tensor.Onnx[i - 1] : target[i];
            if (d == -1 && inferred < 0) inferred = i - 1;
            else if (d <= 0 || d > int.MaxValue)
                throw graph.Error(node, $"input shape ('{node.Input[1]}') is [{string.Join(", ", target)}]: dimension {i} is invalid for its input {TensorMap.Format(tensor.Onnx)}.");
            shape[i - 1] = d;
        }
        bool batchKept = target[0] == 0 || (target[0] == -1 && inferred < 0);
        if (!batchKept)
            throw graph.Error(node, $"input shape ('{node.Input[1]}') is [{string.Join(", ", target)}]: its first dimension must keep the batch (0, or -1 with the other dimensions given); Tailor's layers take any batch.");
        if (inferred >= 0)
        {
            long known = Product(shape.Where((_, i) => i != inferred));
            shape[inferred] = size % known == 0 ? size / known : -1;
        }
        if (shape.Any(d => d <= 0) || Product(shape) != size)
            throw graph.Error(node, $"input shape ('{node.Input[1]}') is [{string.Join(", ", target)}], which does not hold the {size} values per sample of its input {TensorMap.Format(tensor.Onnx)}.");
        return tensor.Reshaped(shape.Select(d => (int)d).ToArray());
    }

    private static TensorMap Flattened(OnnxGraph graph, NodeProto node, TensorMap tensor)
    {
        var attributes = new NodeAttributes(graph, node, "axis");
        int rank = tensor.Onnx.Length + 1;
        long axis = attributes.Int("axis", 1);
        if ((axis < 0 ? axis + rank : axis) != 1)
            throw attributes.Refuse("axis", axis, "Tailor's Flatten keeps the batch axis and flattens the rest; only axis=1 imports.");
        return tensor.Reshaped([tensor.Size]);
    }

    /// <summary>A Pad that pads nothing (as PyTorch's average pooling writes one); any other is refused.</summary>
    private static void CheckZeroPads(OnnxGraph graph, NodeProto node)
    {
        var attributes = graph.Opset < 11 ? new NodeAttributes(graph, node, "mode", "pads", "value") : new NodeAttributes(graph, node, "mode");
        var pads = graph.Opset < 11 ? attributes.Ints("pads") ?? [] : graph.Int64s(node, 1, "pads");
        if (graph.Opset >= 18 && OnnxGraph.HasInput(node, 3))
            throw graph.Error(node, "input axes is given; Tailor imports a Pad only when it pads nothing.");
        if (pads.Any(p => p != 0))
            throw graph.Error(node, $"pads [{string.Join(", ", pads)}] are not zero; Tailor has no padding layer (a Conv's or pooling's own pads import when they match 'valid' or 'same').", "pads");
    }

    /// <summary>The float vector of <paramref name="length"/> values that is input <paramref name="index"/> (a bias: shape (n), (1, n) or a broadcast scalar); null when the input is left out.</summary>
    private float[]? OptionalVector(NodeProto node, int index, string role, int length)
    {
        if (!OnnxGraph.HasInput(node, index)) return null;
        var (values, dims) = _graph.Floats(node, index, role);
        if (values.Length == length && dims.Count(d => d != 1) <= 1 && (dims.Length == 0 || dims[^1] == length)) return values;
        if (values.Length == 1) return Enumerable.Repeat(values[0], length).ToArray();
        throw _graph.Error(node, $"input {role} ('{node.Input[index]}') has shape ({string.Join(", ", dims)}); expected ({length}), one value per {(node.OpType is "Conv" or "BatchNormalization" ? "channel" : "unit")}.");
    }

    private float Scalar(NodeProto node, int index, string role)
    {
        var (values, _) = _graph.Floats(node, index, role);
        if (values.Length != 1) throw _graph.Error(node, $"input {role} ('{node.Input[index]}') holds {values.Length} values; expected one.");
        return values[0];
    }

    /// <summary>The product of sizes of at most int.MaxValue each, saturating far above any tensor's size rather than overflowing.</summary>
    private static long Product(IEnumerable<long> sizes) => sizes.Aggregate(1L, (p, d) => Math.Min(p, 1L << 31) * d);

    private static float[] Transpose(float[] matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                result[c * rows + r] = matrix[r * columns + c];
        return result;
    }

    private static float[] Permute(float[] values, int[] order)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[order[i]] = values[i];
        return result;
    }
}
