using Google.Protobuf;
using Onnx;
using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Normalization;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Models;

namespace Tailor.Serialization;

/// <summary>
/// Writes a <see cref="Sequential"/> as an ONNX model (opset 13) with the input named as Keras names it
/// ("conv2d_input") and shaped (N, ...) with a dynamic batch. Tailor is channels-last like Keras while
/// ONNX's Conv and pooling are channels-first, so a Transpose goes in before the first convolution or
/// pooling and another one before Flatten, Reshape or Dense, which keeps Keras's (height, width, channel)
/// order of the flattened features and so the Dense kernels as they are. Global pooling reduces the
/// positions of either layout. Inference is exported: Dropout becomes Identity and BatchNormalization
/// the multiply-add by its fused per-channel scale and shift.
/// The protobuf classes come from OnnxSharp, which ships ONNX's generated types.
/// </summary>
public static class OnnxExport
{
    public const int Opset = 13;

    public static string InputName(Sequential model) => $"{model.Layers[0].Name}_input";

    public static void Save(Sequential model, string path)
    {
        var onnx = Build(model);
        AtomicFile.Write(path, stream => onnx.WriteTo(stream));
    }

    public static ModelProto Build(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.IsBuilt) throw new InvalidOperationException($"Model '{model.Name}' is not built, so it has no weights to export.");
        var graph = new GraphBuilder(model.Name);
        string current = InputName(model);
        graph.Graph.Input.Add(ValueInfo(current, model.InputShape.ToArray()));
        // Channels-first since the last Conv or pooling node; Tailor's own (channels-last) layout otherwise.
        bool channelsFirst = false;
        foreach (var layer in model.Layers)
        {
            string name = layer.Name!;
            int rank = layer.InputShape.Length + 1;
            switch (layer)
            {
                case Conv2D conv:
                    current = ToChannelsFirst(graph, current, name, rank, ref channelsFirst);
                    var k = conv.Kernel.Value;
                    var inputs = new List<string> { current, graph.Initializer(name + "/kernel", ToChannelsFirstKernel(k.Span, k.Shape.ToArray()), [k.Dim(3), k.Dim(2), k.Dim(0), k.Dim(1)]) };
                    if (conv.Bias is { } bias) inputs.Add(graph.Initializer(name + "/bias", bias.Value.Span.ToArray(), [bias.Value.Length]));
                    current = graph.Node("Conv", name + "/conv", inputs.ToArray(),
                        ("kernel_shape", new long[] { conv.KernelSize.Height, conv.KernelSize.Width }),
                        ("strides", new long[] { conv.Strides.Height, conv.Strides.Width }),
                        ("pads", Pads(layer.InputShape, conv.KernelSize, conv.Strides, conv.Padding)));
                    current = Activate(graph, conv.Activation, current, name, channelsFirst);
                    break;
                case Conv1D conv:
                    current = ToChannelsFirst(graph, current, name, rank, ref channelsFirst);
                    var k1 = conv.Kernel.Value;
                    // Keras's (k, cin, cout) is a (1, k, cin, cout) 2D kernel: the same reordering gives ONNX's (cout, cin, k).
                    var inputs1 = new List<string> { current, graph.Initializer(name + "/kernel", ToChannelsFirstKernel(k1.Span, [1, k1.Dim(0), k1.Dim(1), k1.Dim(2)]), [k1.Dim(2), k1.Dim(1), k1.Dim(0)]) };
                    if (conv.Bias is { } bias1) inputs1.Add(graph.Initializer(name + "/bias", bias1.Value.Span.ToArray(), [bias1.Value.Length]));
                    current = graph.Node("Conv", name + "/conv", inputs1.ToArray(),
                        ("kernel_shape", new long[] { conv.KernelSize }),
                        ("strides", new long[] { conv.Strides }),
                        ("dilations", new long[] { conv.DilationRate }),
                        ("pads", Pads1D(layer.InputShape[0], conv.KernelSize, conv.Strides, conv.Padding, conv.DilationRate)));
                    current = Activate(graph, conv.Activation, current, name, channelsFirst);
                    break;
                case BasePooling2D pool:
                    current = ToChannelsFirst(graph, current, name, rank, ref channelsFirst);
                    current = graph.Node(pool is MaxPooling2D ? "MaxPool" : pool is AveragePooling2D ? "AveragePool" : throw Unsupported(layer), name + "/pool", [current],
                        ("kernel_shape", new long[] { pool.PoolSize.Height, pool.PoolSize.Width }),
                        ("strides", new long[] { pool.Strides.Height, pool.Strides.Width }),
                        ("pads", Pads(layer.InputShape, pool.PoolSize, pool.Strides, pool.Padding)));
                    break;
                case BasePooling1D pool:
                    current = ToChannelsFirst(graph, current, name, rank, ref channelsFirst);
                    // AveragePool's default count_include_pad = 0 leaves padded cells out of the mean, as Keras does.
                    current = graph.Node(pool is MaxPooling1D ? "MaxPool" : pool is AveragePooling1D ? "AveragePool" : throw Unsupported(layer), name + "/pool", [current],
                        ("kernel_shape", new long[] { pool.PoolSize }),
                        ("strides", new long[] { pool.Strides }),
                        ("pads", Pads1D(layer.InputShape[0], pool.PoolSize, pool.Strides, pool.Padding, 1)));
                    break;
                case GlobalPooling global:
                    // Over the positions of either layout; the (N, C) result has no layout.
                    long[] axes = channelsFirst ? Enumerable.Range(2, global.SpatialAxes).Select(a => (long)a).ToArray() : Enumerable.Range(1, global.SpatialAxes).Select(a => (long)a).ToArray();
                    current = graph.Node(global is GlobalMaxPooling ? "ReduceMax" : global is GlobalAveragePooling ? "ReduceMean" : throw Unsupported(layer), name + "/reduce", [current],
                        ("axes", axes), ("keepdims", 0L));
                    channelsFirst = false;
                    break;
                case BatchNormalization norm:
                    current = Normalize(graph, norm, current, name, channelsFirst ? rank - 2 : 0);
                    break;
                case Flatten:
                    current = ToChannelsLast(graph, current, name, rank, ref channelsFirst);
                    current = graph.Node("Flatten", name + "/flatten", [current], ("axis", 1L));
                    break;
                case Reshape:
                    current = ToChannelsLast(graph, current, name, rank, ref channelsFirst);
                    long[] shape = [-1, .. layer.OutputShape.ToArray().Select(d => (long)d)];
                    current = graph.Node("Reshape", name + "/reshape", [current, graph.Int64Initializer(name + "/shape", shape)]);
                    break;
                case Dense dense:
                    current = ToChannelsLast(graph, current, name, rank, ref channelsFirst);
                    var w = dense.Kernel.Value;
                    string kernel = graph.Initializer(name + "/kernel", w.Span.ToArray(), [w.Dim(0), w.Dim(1)]);
                    current = dense.Bias is { } b
                        ? graph.Node("Gemm", name + "/gemm", [current, kernel, graph.Initializer(name + "/bias", b.Value.Span.ToArray(), [b.Value.Length])])
                        : graph.Node("MatMul", name + "/matmul", [current, kernel]);
                    current = Activate(graph, dense.Activation, current, name, channelsFirst);
                    break;
                case Dropout:
                    current = graph.Node("Identity", name + "/identity", [current]);
                    break;
                case ActivationLayer activation:
                    current = Activate(graph, activation.Activation, current, name, channelsFirst);
                    break;
                default:
                    throw Unsupported(layer);
            }
        }
        current = ToChannelsLast(graph, current, "output", model.Layers[^1].OutputShape.Length + 1, ref channelsFirst);
        string output = model.Layers[^1].Name!;
        graph.Node("Identity", output, [current]);
        graph.Graph.Output.Add(ValueInfo(output, model.Layers[^1].OutputShape.ToArray()));
        return new ModelProto
        {
            IrVersion = 7,
            ProducerName = "Tailor",
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = Opset } },
            Graph = graph.Graph,
        };
    }

    private static NotSupportedException Unsupported(Layer layer) =>
        new($"{layer.Describe()} cannot be exported to ONNX yet. Exportable layers: Dense, Conv1D, Conv2D, MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D, "
            + "GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, BatchNormalization, Flatten, Reshape, Dropout, Activation.");

    /// <summary>(N, positions..., C) to (N, C, positions...) unless it is already; <paramref name="rank"/> counts the batch axis.</summary>
    private static string ToChannelsFirst(GraphBuilder graph, string input, string layer, int rank, ref bool channelsFirst)
    {
        if (channelsFirst) return input;
        channelsFirst = true;
        long[] perm = [0, rank - 1, .. Enumerable.Range(1, rank - 2).Select(a => (long)a)];
        return graph.Node("Transpose", layer + "/to_channels_first", [input], ("perm", perm));
    }

    /// <summary>Back to Tailor's (N, positions..., C) where the values' order matters (Flatten, Reshape, Dense, the output).</summary>
    private static string ToChannelsLast(GraphBuilder graph, string input, string layer, int rank, ref bool channelsFirst)
    {
        if (!channelsFirst) return input;
        channelsFirst = false;
        long[] perm = [0, .. Enumerable.Range(2, rank - 2).Select(a => (long)a), 1];
        return graph.Node("Transpose", layer + "/to_channels_last", [input], ("perm", perm));
    }

    /// <summary>
    /// Inference-mode batch normalization as the layer computes it: x * scale + shift, with the same fused
    /// per-channel scale and shift. In a channels-first tensor the constants get <paramref name="spatialAxes"/>
    /// trailing axes of 1 so that they broadcast over the positions.
    /// </summary>
    private static string Normalize(GraphBuilder graph, BatchNormalization norm, string input, string layer, int spatialAxes)
    {
        var (scale, shift) = norm.InferenceScaleAndShift();
        long[] dims = [scale.Length, .. Enumerable.Repeat(1L, spatialAxes)];
        string scaled = graph.Node("Mul", layer + "/scale", [input, graph.Initializer(layer + "/scale_factor", scale, dims)]);
        return graph.Node("Add", layer + "/shift", [scaled, graph.Initializer(layer + "/shift_term", shift, dims)]);
    }

    private static string Activate(GraphBuilder graph, Activation activation, string input, string layer, bool channelsFirst)
    {
        string name = layer + "/" + activation.KerasName();
        switch (activation)
        {
            case Activation.Linear: return input;
            case Activation.Relu: return graph.Node("Relu", name, [input]);
            case Activation.Sigmoid: return graph.Node("Sigmoid", name, [input]);
            case Activation.Tanh: return graph.Node("Tanh", name, [input]);
            case Activation.Softmax: return graph.Node("Softmax", name, [input], ("axis", channelsFirst ? 1L : -1L));
            case Activation.Elu: return graph.Node("Elu", name, [input], ("alpha", Activations.EluAlpha));
            case Activation.LeakyRelu: return graph.Node("LeakyRelu", name, [input], ("alpha", Activations.LeakySlope));
            case Activation.Gelu:
                // Exact GELU, 0.5 x (1 + erf(x / sqrt 2)): opset 13 has Erf but no Gelu.
                string scaled = graph.Node("Mul", name + "/scaled", [input, graph.Scalar(name + "/inv_sqrt2", 0.70710678f)]);
                string erf = graph.Node("Erf", name + "/erf", [scaled]);
                string plusOne = graph.Node("Add", name + "/plus_one", [erf, graph.Scalar(name + "/one", 1f)]);
                string half = graph.Node("Mul", name + "/half_x", [input, graph.Scalar(name + "/half", 0.5f)]);
                return graph.Node("Mul", name + "/out", [half, plusOne]);
            default: throw new NotSupportedException($"Activation {activation} of layer '{layer}' cannot be exported to ONNX.");
        }
    }

    /// <summary>ONNX pads [top, left, bottom, right]; Keras's "same" puts the odd cell at the end.</summary>
    private static long[] Pads(ReadOnlySpan<int> inputShape, (int Height, int Width) kernel, (int Height, int Width) strides, Padding padding)
    {
        var (outH, top) = ConvGeometry.Axis(inputShape[0], kernel.Height, strides.Height, padding);
        var (outW, left) = ConvGeometry.Axis(inputShape[1], kernel.Width, strides.Width, padding);
        if (padding == Padding.Valid) return [0, 0, 0, 0];
        long totalH = Math.Max((outH - 1) * strides.Height + kernel.Height - inputShape[0], 0);
        long totalW = Math.Max((outW - 1) * strides.Width + kernel.Width - inputShape[1], 0);
        return [top, left, totalH - top, totalW - left];
    }

    /// <summary>ONNX pads [start, end] of one axis: Keras's leading pad (all of it for causal), and what the last window still needs.</summary>
    private static long[] Pads1D(int size, int kernel, int stride, Padding padding, int dilation)
    {
        var (length, before) = ConvGeometry.Axis(size, kernel, stride, padding, dilation);
        int span = (kernel - 1) * dilation + 1;
        return [before, Math.Max((length - 1) * stride + span - size - before, 0)];
    }

    /// <summary>Keras's (kh, kw, cin, cout) kernel as ONNX's (cout, cin, kh, kw).</summary>
    private static float[] ToChannelsFirstKernel(ReadOnlySpan<float> kernel, int[] shape)
    {
        int kh = shape[0], kw = shape[1], cin = shape[2], cout = shape[3];
        var result = new float[kernel.Length];
        for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
                for (int i = 0; i < cin; i++)
                    for (int o = 0; o < cout; o++)
                        result[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o];
        return result;
    }

    private static ValueInfoProto ValueInfo(string name, int[] itemShape)
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

    private sealed class GraphBuilder(string name)
    {
        public GraphProto Graph { get; } = new() { Name = name };

        public string Node(string op, string name, string[] inputs, params (string Name, object Value)[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = name, Output = { name } };
            node.Input.AddRange(inputs);
            foreach (var (key, value) in attributes)
                node.Attribute.Add(value switch
                {
                    long i => new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Int, I = i },
                    float f => new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Float, F = f },
                    long[] ints => new AttributeProto { Name = key, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ints } },
                    _ => throw new ArgumentException($"Unsupported attribute value {value}."),
                });
            Graph.Node.Add(node);
            return name;
        }

        public string Initializer(string name, float[] values, long[] dims)
        {
            var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, Dims = { dims } };
            var bytes = new byte[values.Length * 4];
            for (int i = 0; i < values.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
            tensor.RawData = ByteString.CopyFrom(bytes);
            Graph.Initializer.Add(tensor);
            return name;
        }

        public string Int64Initializer(string name, long[] values)
        {
            var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { values.Length } };
            tensor.Int64Data.AddRange(values);
            Graph.Initializer.Add(tensor);
            return name;
        }

        public string Scalar(string name, float value) => Initializer(name, [value], []);
    }
}
