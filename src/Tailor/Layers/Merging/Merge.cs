using System.Runtime.CompilerServices;
using Tailor.Graphs;
using Tailor.Tensors;

namespace Tailor.Layers.Merging;

/// <summary>
/// The element-wise merge layers' common part (Keras's <c>Merge</c> base): two or more inputs of one shape,
/// an output of that shape, and the inputs' gradients in buffers sized once per batch size.
/// </summary>
public abstract class Merge : MultiInputLayer
{
    private Tensor? _output;
    private Tensor?[] _inputGradients = [];
    private Tensor[] _gradientList = [];

    private protected Merge(string? name) => Name = name;

    /// <summary>The fewest inputs the layer takes (Subtract: exactly 2).</summary>
    private protected virtual (int Min, int Max) InputCount => (2, int.MaxValue);

    public override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        var (min, max) = InputCount;
        if (inputShapes.Count < min || inputShapes.Count > max)
            throw new ArgumentException($"{Describe()} takes {(min == max ? $"exactly {min}" : $"at least {min}")} inputs, received {inputShapes.Count}.");
        for (int i = 1; i < inputShapes.Count; i++)
            if (!inputShapes[i].AsSpan().SequenceEqual(inputShapes[0]))
                throw new ArgumentException(
                    $"{Describe()} needs inputs of one shape; received {FormatBatchShape(inputShapes[0])} (input 0) and {FormatBatchShape(inputShapes[i])} (input {i}).");
        return (int[])inputShapes[0].Clone();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        CheckInputs(inputs);
        var output = Ensure(ref _output, inputs[0].Dim(0), OutputShape);
        Combine(inputs, output.Span);
        return output;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override IReadOnlyList<Tensor> BackwardInputs(Tensor outputGradient)
    {
        CheckBuilt();
        int n = InputShapes.Count, batch = outputGradient.Dim(0);
        if (_gradientList.Length != n)
        {
            _inputGradients = new Tensor?[n];
            _gradientList = new Tensor[n];
        }
        Distribute(outputGradient, batch, _gradientList);
        return _gradientList;
    }

    /// <summary>ONNX's operator for the merge, and whether it takes any number of inputs (else it is applied pairwise, left to right, as Combine adds).</summary>
    private protected abstract (string OpType, bool Variadic) OnnxOperator { get; }

    /// <summary>One node of <see cref="OnnxOperator"/> (a chain of them for a pairwise one), in the layout the first input arrives in.</summary>
    public override void DescribeInference(InferenceGraph graph)
    {
        var layout = graph.Layout;
        var inputs = Enumerable.Range(0, graph.InputCount).Select(i => graph.Input(i, layout)).ToArray();
        var (opType, variadic) = OnnxOperator;
        string merged = variadic || inputs.Length == 2 ? graph.Node(opType, "merge", inputs) : inputs[0];
        for (int i = 1; !variadic && inputs.Length > 2 && i < inputs.Length; i++)
            merged = graph.Node(opType, $"merge_{i}", [merged, inputs[i]]);
        graph.SetOutput(merged, layout);
    }

    /// <summary>Writes the merged inputs into <paramref name="output"/>.</summary>
    private protected abstract void Combine(IReadOnlyList<Tensor> inputs, Span<float> output);

    /// <summary>Fills <paramref name="gradients"/> with each input's gradient (through <see cref="InputGradient"/> when it needs a buffer).</summary>
    private protected abstract void Distribute(Tensor outputGradient, int batch, Tensor[] gradients);

    /// <summary>Input <paramref name="index"/>'s gradient buffer for <paramref name="batch"/> samples.</summary>
    private protected Tensor InputGradient(int index, int batch) => Ensure(ref _inputGradients[index], batch, OutputShape);
}
