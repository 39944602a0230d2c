using System.Runtime.CompilerServices;
using Tailor.Graphs;
using Tailor.Tensors;

namespace Tailor.Layers.Merging;

/// <summary>
/// Keras's Concatenate: the inputs joined along <see cref="Axis"/>, counted as Keras counts it (the batch is
/// axis 0, -1 the last); every other axis must agree.
/// </summary>
public sealed class Concatenate : MultiInputLayer
{
    private Tensor? _output;
    private Tensor?[] _inputGradients = [];
    private Tensor[] _gradientList = [];

    public Concatenate([ConfigInteger] int axis = -1, string? name = null)
    {
        if (axis == 0) throw new ArgumentException("Received an invalid value for `axis`: 0 is the batch axis, which Concatenate cannot join along. Received: axis=0");
        Axis = axis;
        Name = name;
    }

    public int Axis { get; }

    /// <summary>The axis within one sample's shape (no batch) for inputs of <paramref name="rank"/> axes per sample.</summary>
    private int SampleAxis(int rank)
    {
        int axis = Axis > 0 ? Axis - 1 : rank + Axis;
        if (axis < 0 || axis >= rank)
            throw new ArgumentException($"{Describe()} joins along axis {Axis}, which inputs of shape (None{string.Concat(Enumerable.Repeat(", _", rank))}) do not have.");
        return axis;
    }

    public override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (inputShapes.Count < 2) throw new ArgumentException($"{Describe()} takes at least 2 inputs, received {inputShapes.Count}.");
        int rank = inputShapes[0].Length, axis = SampleAxis(rank);
        var output = (int[])inputShapes[0].Clone();
        for (int i = 1; i < inputShapes.Count; i++)
        {
            var shape = inputShapes[i];
            bool fits = shape.Length == rank;
            for (int d = 0; fits && d < rank; d++) fits = d == axis || shape[d] == output[d];
            if (!fits)
                throw new ArgumentException(
                    $"{Describe()} joins along axis {Axis} inputs that agree on every other axis; received {FormatBatchShape(inputShapes[0])} (input 0) and {FormatBatchShape(shape)} (input {i}).");
            output[axis] += shape[axis];
        }
        return output;
    }

    /// <summary>Each input's values from the axis on, per index before it: the blocks the output interleaves (sized once).</summary>
    private int[] Blocks() => _blocks.Length == InputShapes.Count ? _blocks : SizeBlocks();

    // Apart from Blocks: the lambda's closure would otherwise be allocated on every call, before the early return.
    private int[] SizeBlocks()
    {
        int axis = SampleAxis(InputShapes[0].Length);
        _outer = 1;
        for (int d = 0; d < axis; d++) _outer *= InputShapes[0][d];
        _blocks = [.. InputShapes.Select(shape => Tensor.SizeOf(shape.AsSpan(axis)))];
        return _blocks;
    }

    private int[] _blocks = [];
    private int _outer;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        CheckInputs(inputs);
        int batch = inputs[0].Dim(0), at = 0;
        var output = Ensure(ref _output, batch, OutputShape);
        var blocks = Blocks();
        var whole = output.Span;
        // For each sample and each index before the axis, each input's block in turn.
        for (int s = 0; s < batch * _outer; s++)
            for (int i = 0; i < blocks.Length; i++)
            {
                inputs[i].Span.Slice(s * blocks[i], blocks[i]).CopyTo(whole.Slice(at, blocks[i]));
                at += blocks[i];
            }
        return output;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override IReadOnlyList<Tensor> BackwardInputs(Tensor outputGradient)
    {
        CheckBuilt();
        int n = InputShapes.Count, batch = outputGradient.Dim(0), at = 0;
        if (_gradientList.Length != n)
        {
            _inputGradients = new Tensor?[n];
            _gradientList = new Tensor[n];
        }
        for (int i = 0; i < n; i++) _gradientList[i] = Ensure(ref _inputGradients[i], batch, InputShapes[i]);
        var blocks = Blocks();
        var whole = outputGradient.Span;
        for (int s = 0; s < batch * _outer; s++)
            for (int i = 0; i < n; i++)
            {
                whole.Slice(at, blocks[i]).CopyTo(_gradientList[i].Span.Slice(s * blocks[i], blocks[i]));
                at += blocks[i];
            }
        return _gradientList;
    }

    /// <summary>
    /// ONNX's Concat, in the layout the first input arrives in: joining the channels of channels-first tensors is
    /// ONNX's axis 1, so a block of convolutions needs no Transpose around it.
    /// </summary>
    public override void DescribeInference(InferenceGraph graph)
    {
        int rank = InputShapes[0].Length, axis = SampleAxis(rank);
        var layout = graph.Layout;
        long onnxAxis = layout == TensorLayout.ChannelsLast ? axis + 1 : axis == rank - 1 ? 1 : axis + 2;
        var inputs = Enumerable.Range(0, graph.InputCount).Select(i => graph.Input(i, layout)).ToArray();
        graph.SetOutput(graph.Node("Concat", "concat", inputs, ("axis", onnxAxis)), layout);
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = Axis;
        return config;
    }
}
