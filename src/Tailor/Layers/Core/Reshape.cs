using System.Runtime.CompilerServices;
using Tailor.Graphs;
using Tailor.Tensors;

namespace Tailor.Layers.Core;

/// <summary>
/// Gives each sample another shape with the same values in the same row-major order, as Keras's
/// Reshape: one dimension may be -1 and is then inferred. No copy: the output shares the input's buffer.
/// </summary>
public sealed class Reshape : Layer
{
    private readonly int[] _targetShape;
    private Tensor? _output;
    private Tensor? _inputGradient;

    public Reshape(params int[] targetShape) : this(targetShape, null) { }

    [ConfigConstructor]
    public Reshape(int[] targetShape, string? name)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        if (targetShape.Length == 0)
            throw new ArgumentException("Received an invalid value for `target_shape`, expected at least one dimension. Received: target_shape=()", nameof(targetShape));
        if (targetShape.Count(d => d == -1) > 1 || targetShape.Any(d => d == 0 || d < -1))
            throw new ArgumentException($"Received an invalid value for `target_shape`, expected positive dimensions and at most one -1. Received: target_shape={Tensor.Format(targetShape)}", nameof(targetShape));
        _targetShape = (int[])targetShape.Clone();
        Name = name;
    }

    /// <summary>The requested per-sample shape, -1 where inferred.</summary>
    public ReadOnlySpan<int> TargetShape => _targetShape;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        int size = Tensor.SizeOf(inputShape), known = 1;
        foreach (int d in _targetShape) if (d != -1) known *= d;
        var shape = (int[])_targetShape.Clone();
        int inferred = Array.IndexOf(shape, -1);
        if (inferred >= 0 && size % known == 0) shape[inferred] = size / known;
        if (Tensor.SizeOf(shape) != size || shape.Any(d => d <= 0))
            throw new ArgumentException(
                $"{Describe()} cannot reshape input of shape {FormatBatchShape(inputShape)} ({size} values per sample) to target shape {Tensor.Format(_targetShape)}.");
        return shape;
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        return View(ref _output, input, OutputShape);
    }

    public override Tensor? Backward(Tensor outputGradient) =>
        ComputeInputGradient ? View(ref _inputGradient, outputGradient, InputShape) : null;

    /// <summary>ONNX's Reshape of channels-last values to (N, output shape...), the batch left to -1.</summary>
    public override void DescribeInference(InferenceGraph graph)
    {
        string input = graph.Input(TensorLayout.ChannelsLast);
        long[] shape = [-1, .. OutputShape.ToArray().Select(d => (long)d)];
        graph.SetOutput(graph.Node("Reshape", "reshape", [input, graph.Int64Constant("shape", shape)]), TensorLayout.ChannelsLast);
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["target_shape"] = _targetShape.ToArray();
        return config;
    }
}
