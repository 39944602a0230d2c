using Tailor.Common;
using Tailor.Initializers;
using Tailor.Kernels;
using Tailor.Regularizers;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Layers.Convolutional;

/// <summary>
/// 1D convolution over sequences (batch, steps, channels), kernel of shape (kernel_size, in_channels,
/// filters) as in Keras. It runs as a 2D convolution of height 1 through the same im2col and matrix
/// product as <see cref="Conv2D"/>; dilation spreads the kernel's taps apart, and causal padding pads
/// only the start so that output t depends on inputs up to t.
/// </summary>
public sealed class Conv1D : Core.ActivatedLayer
{
    private ConvGeometry _geometry;
    private Tensor? _input;
    private Tensor? _inputGradient;
    private float[] _cols = [];
    private float[] _colsGradient = [];
    private readonly SequenceJob _job;

    public Conv1D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilationRate = 1,
        Activation activation = Activation.Linear, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, string? name = null)
        : base(activation)
    {
        Guard.Positive(filters);
        Guard.Positive(kernelSize, "kernel_size");
        Guard.Positive(strides);
        Guard.Positive(dilationRate, "dilation_rate");
        // Keras refuses the combination too: a strided dilated kernel skips inputs in a way no one means.
        if (strides > 1 && dilationRate > 1)
            throw new ArgumentException($"When `strides` > 1, `dilation_rate` must be 1. Received: strides={strides}, dilation_rate={dilationRate}.", nameof(dilationRate));
        if ((long)(kernelSize - 1) * dilationRate >= int.MaxValue)
            throw new ArgumentException($"A kernel of size {kernelSize} with `dilation_rate` {dilationRate} spans more steps than a sequence can have.", nameof(dilationRate));
        Filters = filters;
        KernelSize = kernelSize;
        Strides = strides;
        Padding = padding;
        DilationRate = dilationRate;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        Name = name;
        _job = new SequenceJob(this);
    }

    public int Filters { get; }
    public int KernelSize { get; }
    public int Strides { get; }
    public Padding Padding { get; }
    public int DilationRate { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer BiasInitializer { get; }
    public Regularizer? KernelRegularizer { get; }
    public Regularizer? BiasRegularizer { get; }

    public Parameter Kernel => Parameters[0];
    public Parameter? Bias => UseBias ? Parameters[1] : null;

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length != 2)
            throw new ArgumentException(
                $"{Describe()} expects input of shape (None, steps, channels), received shape {FormatBatchShape(inputShape)}." +
                (inputShape.Length == 3 ? " Add a Reshape layer to turn images into sequences, e.g. Reshape(28, 28)." : ""));
        var g = ConvGeometry.Create(1, inputShape[0], inputShape[1], 1, KernelSize, 1, Strides, Padding, 1, DilationRate);
        if (g.OutWidth <= 0)
            throw new ArgumentException(
                $"{Describe()} with kernel {KernelSize}, dilation {DilationRate} and padding '{Padding.ToString().ToLowerInvariant()}' does not fit input of shape {FormatBatchShape(inputShape)}.");
        _geometry = g;
        return [g.OutWidth, Filters];
    }

    protected override void CreateParameters(Rng rng)
    {
        int[] shape = [KernelSize, InputShape[1], Filters];
        var kernel = AddParameter(new Parameter("kernel", shape, KernelRegularizer));
        var (fanIn, fanOut) = Initializer.Fans(shape);
        KernelInitializer.Fill(kernel.Value.Span, fanIn, fanOut, rng);
        if (UseBias)
        {
            var bias = AddParameter(new Parameter("bias", [Filters], BiasRegularizer));
            BiasInitializer.Fill(bias.Value.Span, Filters, Filters, rng);
        }
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        int batch = input.Dim(0), rows = batch * _geometry.OutputPositions, patch = _geometry.PatchLength;
        _input = input;
        EnsureArray(ref _cols, rows * patch);
        _job.Start(SequenceJob.Phase.Expand);
        WorkerPool.Run(_job, batch);
        var z = PreActivationBuffer(batch);
        Gemm.Multiply(false, false, rows, Filters, patch, _cols, patch, Kernel.Value.Span, Filters, z.Span, Filters,
            accumulate: false, UseBias ? Bias!.Value.Span : default, ProductAppliesRelu);
        return Activate(z);
    }

    public override Tensor? Backward(Tensor outputGradient)
    {
        var dz = PreActivationGradient(outputGradient, UseBias ? Bias!.Gradient.Span : default);
        int batch = dz.Dim(0), rows = batch * _geometry.OutputPositions, patch = _geometry.PatchLength;
        Gemm.Multiply(true, false, patch, Filters, rows, _cols, patch, dz.Span, Filters, Kernel.Gradient.Span, Filters);
        if (!ComputeInputGradient) return null;
        EnsureArray(ref _colsGradient, rows * patch);
        Gemm.Multiply(false, true, rows, patch, Filters, dz.Span, Filters, Kernel.Value.Span, Filters, _colsGradient, patch);
        Ensure(ref _inputGradient, batch, InputShape);
        _job.Start(SequenceJob.Phase.Fold);
        WorkerPool.Run(_job, batch);
        return _inputGradient;
    }

    private static void EnsureArray(ref float[] array, int length)
    {
        if (array.Length < length) array = new float[length];
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        config["kernel_size"] = new[] { KernelSize };
        config["strides"] = new[] { Strides };
        config["padding"] = Padding.ToString().ToLowerInvariant();
        config["dilation_rate"] = new[] { DilationRate };
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.Name;
        config["bias_initializer"] = BiasInitializer.Name;
        config["kernel_regularizer"] = KernelRegularizer?.GetConfig();
        config["bias_regularizer"] = BiasRegularizer?.GetConfig();
        return config;
    }

    /// <summary>im2col and its adjoint, one sequence per task.</summary>
    private sealed class SequenceJob(Conv1D layer) : ParallelJob
    {
        public enum Phase { Expand, Fold }
        private Phase _phase;

        public void Start(Phase phase) => _phase = phase;

        public override void Run(int sequence)
        {
            ref readonly var g = ref layer._geometry;
            int inLength = g.InputLength, colsLength = g.OutputPositions * g.PatchLength;
            if (_phase == Phase.Expand)
                Im2Col.Expand(g, layer._input!.Buffer.AsSpan(sequence * inLength, inLength), layer._cols.AsSpan(sequence * colsLength, colsLength));
            else
                Im2Col.Fold(g, layer._colsGradient.AsSpan(sequence * colsLength, colsLength), layer._inputGradient!.Buffer.AsSpan(sequence * inLength, inLength));
        }
    }
}
