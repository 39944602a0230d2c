using System.Runtime.CompilerServices;
using Tailor.Common;
using Tailor.Graphs;
using Tailor.Initializers;
using Tailor.Kernels;
using Tailor.Regularizers;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Layers.Normalization;

/// <summary>
/// Keras's BatchNormalization over the last axis (channels-last). In training it normalises each
/// channel with the batch's mean and (biased) variance, y = gamma (x - mean) / sqrt(var + epsilon) + beta,
/// and moves the moving statistics towards them: moving = momentum moving + (1 - momentum) batch.
/// In inference it uses the moving statistics, fused into one scale and shift per channel.
/// Weights, in Keras's order: gamma (scale), beta (center), moving_mean and moving_variance; the
/// last two are non-trainable. Reductions run over fixed chunks of rows, summed in chunk order, so
/// the result does not depend on the thread count.
/// </summary>
public sealed class BatchNormalization : Layer
{
    /// <summary>Rows per reduction chunk: the unit of parallel work, fixed so sums never depend on threads.</summary>
    private const int ChunkRows = 256;

    private ChunkJob _job;
    private Tensor? _input;
    private Tensor? _output;
    private Tensor? _outputGradient;
    private Tensor? _inputGradient;
    private bool _lastForwardTrained;
    private int _rows;
    // Per channel: the mean and 1 / sqrt(var + epsilon) in use, the output's scale and shift, and the
    // two means of the training backward pass.
    private float[] _mean = [], _invStd = [], _scale = [], _shift = [], _meanDy = [], _meanDyXhat = [];
    // Per chunk and channel: partial sums of a reduction.
    private float[] _partial = [], _partial2 = [];

    public BatchNormalization([ConfigInteger] int axis = -1, float momentum = 0.99f, float epsilon = 1e-3f, bool center = true, bool scale = true,
        Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
        Initializer? movingMeanInitializer = null, Initializer? movingVarianceInitializer = null,
        Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, string? name = null)
    {
        if (axis != -1)
            throw new ArgumentException($"Received an invalid value for `axis`: only -1 (the channels of channels-last data) is supported. Received: axis={axis}", nameof(axis));
        Guard.InRange(momentum, 0, 1);
        if (!(epsilon > 0))
            throw new ArgumentOutOfRangeException(nameof(epsilon), $"Received an invalid value for `epsilon`, expected a positive number. Received: epsilon={epsilon}");
        Momentum = momentum;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = betaInitializer ?? Initializer.Zeros;
        GammaInitializer = gammaInitializer ?? Initializer.Ones;
        MovingMeanInitializer = movingMeanInitializer ?? Initializer.Zeros;
        MovingVarianceInitializer = movingVarianceInitializer ?? Initializer.Ones;
        BetaRegularizer = betaRegularizer;
        GammaRegularizer = gammaRegularizer;
        Name = name;
        _job = new ChunkJob(this);
    }

    // A twin's job must run the twin, not the layer it was copied from.
    private protected override void OnTwinCreated() => _job = new ChunkJob(this);

    public float Momentum { get; }
    public float Epsilon { get; }
    public bool Center { get; }
    public bool Scale { get; }
    public Initializer BetaInitializer { get; }
    public Initializer GammaInitializer { get; }
    public Initializer MovingMeanInitializer { get; }
    public Initializer MovingVarianceInitializer { get; }
    public Regularizer? BetaRegularizer { get; }
    public Regularizer? GammaRegularizer { get; }

    public Parameter? Gamma => Scale ? Parameters[0] : null;
    public Parameter? Beta => Center ? Parameters[Scale ? 1 : 0] : null;
    public Parameter MovingMean => Parameters[^2];
    public Parameter MovingVariance => Parameters[^1];

    private int Channels => InputShape[^1];

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length == 0)
            throw new ArgumentException($"{Describe()} needs input with at least one axis besides the batch, received shape {FormatBatchShape(inputShape)}.");
        return inputShape.ToArray();
    }

    protected override void CreateParameters(Rng rng)
    {
        int c = Channels;
        if (Scale) GammaInitializer.Fill(AddParameter("gamma", [c], GammaRegularizer).Value.Span, c, c, rng);
        if (Center) BetaInitializer.Fill(AddParameter("beta", [c], BetaRegularizer).Value.Span, c, c, rng);
        MovingMeanInitializer.Fill(AddParameter("moving_mean", [c], trainable: false).Value.Span, c, c, rng);
        MovingVarianceInitializer.Fill(AddParameter("moving_variance", [c], trainable: false).Value.Span, c, c, rng);
        (_mean, _invStd, _scale, _shift, _meanDy, _meanDyXhat) = (new float[c], new float[c], new float[c], new float[c], new float[c], new float[c]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        int c = Channels;
        _input = input;
        _rows = input.Length / c;
        var output = Ensure(ref _output, input.Dim(0), OutputShape);
        _lastForwardTrained = training;
        EnsurePartials();
        if (training)
        {
            Run(Phase.Sum);
            double n = _rows;
            for (int ch = 0; ch < c; ch++) _mean[ch] = (float)(SumChunks(_partial, ch) / n);
            Run(Phase.SquaredDeviation);
            var movingMean = MovingMean.Value.Span;
            var movingVariance = MovingVariance.Value.Span;
            for (int ch = 0; ch < c; ch++)
            {
                double variance = SumChunks(_partial, ch) / n;
                _invStd[ch] = (float)(1 / Math.Sqrt(variance + Epsilon));
                movingMean[ch] = movingMean[ch] * Momentum + _mean[ch] * (1 - Momentum);
                movingVariance[ch] = movingVariance[ch] * Momentum + (float)variance * (1 - Momentum);
                // Training output: (x - mean) * (gamma / std) + beta.
                _scale[ch] = _invStd[ch] * GammaAt(ch);
                _shift[ch] = BetaAt(ch);
            }
            Run(Phase.NormalizeCentred);
        }
        else
        {
            FuseInference(_invStd, _scale, _shift);
            Run(Phase.NormalizeFused);
        }
        return output;
    }

    /// <summary>
    /// Inference as one multiply-add per channel, y = x * scale + shift: the constants the layer uses
    /// outside training (for exporters, which must compute exactly the same).
    /// </summary>
    public (float[] Scale, float[] Shift) InferenceScaleAndShift()
    {
        CheckBuilt();
        int c = Channels;
        var (invStd, scale, shift) = (new float[c], new float[c], new float[c]);
        FuseInference(invStd, scale, shift);
        return (scale, shift);
    }

    /// <summary>scale = gamma / sqrt(moving_variance + epsilon), shift = beta - moving_mean * scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FuseInference(Span<float> invStd, Span<float> scale, Span<float> shift)
    {
        var movingMean = MovingMean.Value.Span;
        var movingVariance = MovingVariance.Value.Span;
        for (int ch = 0; ch < invStd.Length; ch++)
        {
            invStd[ch] = (float)(1 / Math.Sqrt((double)movingVariance[ch] + Epsilon));
            scale[ch] = invStd[ch] * GammaAt(ch);
            shift[ch] = BetaAt(ch) - movingMean[ch] * scale[ch];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor? Backward(Tensor outputGradient)
    {
        CheckBuilt();
        int c = Channels;
        _outputGradient = outputGradient;
        EnsurePartials();
        if (!_lastForwardTrained)
        {
            // Inference statistics are constants: x-hat uses the moving mean.
            MovingMean.Value.Span.CopyTo(_mean);
        }
        Run(Phase.GradientSums);
        var gammaGradient = Scale ? Gamma!.Gradient.Span : default;
        var betaGradient = Center ? Beta!.Gradient.Span : default;
        double n = _rows;
        for (int ch = 0; ch < c; ch++)
        {
            double dBeta = SumChunks(_partial, ch), dGamma = SumChunks(_partial2, ch);
            if (Scale) gammaGradient[ch] = (float)dGamma;
            if (Center) betaGradient[ch] = (float)dBeta;
            // dx = gamma / std * (dy - mean(dy) - x-hat * mean(dy * x-hat)); in inference only the first term.
            _meanDy[ch] = _lastForwardTrained ? (float)(dBeta / n) : 0;
            _meanDyXhat[ch] = _lastForwardTrained ? (float)(dGamma / n) : 0;
        }
        if (!ComputeInputGradient) return null;
        Ensure(ref _inputGradient, outputGradient.Dim(0), InputShape);
        Run(Phase.InputGradient);
        return _inputGradient;
    }

    private float GammaAt(int ch) => Scale ? Parameters[0].Value.Span[ch] : 1f;

    private float BetaAt(int ch) => Center ? Parameters[Scale ? 1 : 0].Value.Span[ch] : 0f;

    private int Chunks => (_rows + ChunkRows - 1) / ChunkRows;

    private void EnsurePartials()
    {
        int needed = Chunks * Channels;
        if (_partial.Length < needed)
        {
            _partial = new float[needed];
            _partial2 = new float[needed];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double SumChunks(float[] partial, int channel)
    {
        double sum = 0;
        for (int k = 0, c = Channels; k < Chunks; k++) sum += partial[k * c + channel];
        return sum;
    }

    private enum Phase { Sum, SquaredDeviation, NormalizeCentred, NormalizeFused, GradientSums, InputGradient }

    private void Run(Phase phase)
    {
        _job.Phase = phase;
        WorkerPool.Run(_job, Chunks);
    }

    /// <summary>One chunk of rows of one phase.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunChunk(Phase phase, int chunk)
    {
        int c = Channels, first = chunk * ChunkRows, last = Math.Min(_rows, first + ChunkRows);
        var x = _input!.Span;
        var sum = _partial.AsSpan(chunk * c, c);
        var sum2 = _partial2.AsSpan(chunk * c, c);
        ReadOnlySpan<float> mean = _mean, invStd = _invStd, scale = _scale, shift = _shift, meanDy = _meanDy, meanDyXhat = _meanDyXhat;
        switch (phase)
        {
            case Phase.Sum:
                ChannelRows.Sum(x, c, first, last, sum);
                break;
            case Phase.SquaredDeviation:
                ChannelRows.SquaredDeviationSum(x, c, first, last, mean, sum);
                break;
            case Phase.NormalizeCentred:
                ChannelRows.ScaleShift(x, c, first, last, mean, scale, shift, _output!.Span);
                break;
            case Phase.NormalizeFused:
                ChannelRows.ScaleShift(x, c, first, last, default, scale, shift, _output!.Span);
                break;
            case Phase.GradientSums:
                // sum = sum(dy) (beta's gradient), sum2 = sum(dy * x-hat) (gamma's gradient).
                ChannelRows.GradientSums(x, _outputGradient!.Span, c, first, last, mean, invStd, sum, sum2);
                break;
            case Phase.InputGradient:
                // dx = scale * (dy - mean(dy) - x-hat * mean(dy * x-hat)), with scale = gamma / std.
                ChannelRows.InputGradient(x, _outputGradient!.Span, c, first, last, mean, invStd, meanDy, meanDyXhat, scale, _inputGradient!.Span);
                break;
        }
    }

    /// <summary>
    /// Inference as the layer computes it: x * scale + shift, with the same fused per-channel scale and shift,
    /// in either layout; in a channels-first tensor the constants get trailing axes of 1 so that they broadcast
    /// over the positions.
    /// </summary>
    public override void DescribeInference(InferenceGraph graph)
    {
        string input = graph.Input();
        var (scale, shift) = InferenceScaleAndShift();
        int spatialAxes = graph.Layout == TensorLayout.ChannelsFirst ? InputShape.Length - 1 : 0;
        long[] dims = [scale.Length, .. Enumerable.Repeat(1L, spatialAxes)];
        string scaled = graph.Node("Mul", "scale", [input, graph.Constant("scale_factor", scale, dims)]);
        graph.SetOutput(graph.Node("Add", "shift", [scaled, graph.Constant("shift_term", shift, dims)]), graph.Layout);
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["axis"] = -1;
        config["momentum"] = Momentum;
        config["epsilon"] = Epsilon;
        config["center"] = Center;
        config["scale"] = Scale;
        config["beta_initializer"] = BetaInitializer.Name;
        config["gamma_initializer"] = GammaInitializer.Name;
        config["moving_mean_initializer"] = MovingMeanInitializer.Name;
        config["moving_variance_initializer"] = MovingVarianceInitializer.Name;
        config["beta_regularizer"] = BetaRegularizer?.GetConfig();
        config["gamma_regularizer"] = GammaRegularizer?.GetConfig();
        return config;
    }

    private sealed class ChunkJob(BatchNormalization layer) : ParallelJob
    {
        public Phase Phase;

        public override void Run(int chunk) => layer.RunChunk(Phase, chunk);
    }
}
