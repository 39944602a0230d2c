using System.Runtime.CompilerServices;
using System.Numerics;
using Tailor.Common;
using Tailor.Graphs;
using Tailor.Tensors;

namespace Tailor.Layers.Regularization;

/// <summary>
/// Zeroes a fraction <c>rate</c> of its inputs at training time and scales the rest by 1 / (1 - rate),
/// so inference is the identity (Keras's inverted dropout).
/// </summary>
public sealed class Dropout : Layer
{
    private Rng _rng;
    private Rng _keyed = new(0);
    private bool _useKeyed;
    private float[] _mask = [];
    private Tensor? _output;
    private Tensor? _inputGradient;
    private bool _maskActive;

    public Dropout(float rate, ulong? seed = null, string? name = null)
    {
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentOutOfRangeException(nameof(rate), $"Received an invalid value for `rate`, expected a number in [0, 1). Received: rate={rate}");
        Rate = rate;
        Seed = seed;
        _rng = new Rng(seed ?? 0);
        Name = name;
    }

    public float Rate { get; }
    public ulong? Seed { get; }

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    internal override void SetTrainingRng(Rng rng)
    {
        if (Seed == null) _rng = rng;
    }

    internal Rng TrainingRng => _rng;

    internal override Rng? TrainingRngForCheckpoint => _rng;

    internal override void RestoreTrainingRng(Rng rng) => _rng = rng;

    // A twin (a shared Dropout's second call) keys its own draws.
    private protected override void OnTwinCreated()
    {
        _keyed = new Rng(0);
        _rng = new Rng(Seed ?? 0);
    }

    internal override void KeyTrainingDraws(int epoch, int step, int shard)
    {
        _rng.Derive(_keyed, (ulong)epoch, (ulong)step, (ulong)shard);
        _useKeyed = true;
    }

    internal override void UnkeyTrainingDraws() => _useKeyed = false;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        int batch = input.Dim(0);
        var y = Ensure(ref _output, batch, OutputShape);
        _maskActive = training && Rate > 0;
        if (!_maskActive)
        {
            input.Span.CopyTo(y.Span);
            return y;
        }
        int n = input.Length;
        if (_mask.Length < n) _mask = new float[n];
        float keep = 1f / (1f - Rate);
        var x = input.Span;
        var o = y.Span;
        var mask = _mask.AsSpan(0, n);
        // One uniform per element, drawn in element order, then kept where it is at least the rate.
        (_useKeyed ? _keyed : _rng).FillFloats(mask);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var rate = new Vector<float>(Rate);
            var scale = new Vector<float>(keep);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var m = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(new Vector<float>(mask.Slice(i)), rate), scale, Vector<float>.Zero);
                m.CopyTo(mask.Slice(i));
                (new Vector<float>(x.Slice(i)) * m).CopyTo(o.Slice(i));
            }
        }
        for (; i < n; i++)
        {
            float m = mask[i] >= Rate ? keep : 0f;
            mask[i] = m;
            o[i] = x[i] * m;
        }
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor? Backward(Tensor outputGradient)
    {
        if (!ComputeInputGradient) return null;
        var dx = Ensure(ref _inputGradient, outputGradient.Dim(0), InputShape);
        if (_maskActive) System.Numerics.Tensors.TensorPrimitives.Multiply(outputGradient.Span, _mask.AsSpan(0, outputGradient.Length), dx.Span);
        else outputGradient.Span.CopyTo(dx.Span);
        return dx;
    }

    /// <summary>Identity: inference keeps every value.</summary>
    public override void DescribeInference(InferenceGraph graph) =>
        graph.SetOutput(graph.Node("Identity", "identity", [graph.Input()]), graph.Layout);

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["rate"] = Rate;
        config["seed"] = Seed;
        return config;
    }
}
