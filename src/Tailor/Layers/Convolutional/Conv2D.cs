using Tailor.Common;
using Tailor.Initializers;
using Tailor.Kernels;
using Tailor.Regularizers;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Layers.Convolutional;

/// <summary>
/// 2D convolution over NHWC input, kernel of shape (kh, kw, in_channels, filters) as in Keras.
/// Lowered to one matrix product per batch: the patches of every image (im2col) times the kernel.
/// </summary>
public sealed class Conv2D : Core.ActivatedLayer
{
    private ConvGeometry _geometry;
    private Tensor? _input;
    private Tensor? _inputGradient;
    private float[] _cols = [];
    private float[] _colsGradient = [];
    private readonly ImageJob _job;

    public Conv2D(int filters, (int Height, int Width) kernelSize, (int Height, int Width)? strides = null,
        Padding padding = Padding.Valid, Activation activation = Activation.Linear, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, string? name = null)
        : base(activation)
    {
        Guard.Positive(filters);
        Guard.Positive(kernelSize.Height, "kernel_size");
        Guard.Positive(kernelSize.Width, "kernel_size");
        var s = strides ?? (1, 1);
        Guard.Positive(s.Height, "strides");
        Guard.Positive(s.Width, "strides");
        if (padding == Padding.Causal)
            throw new ArgumentException("Conv2D does not support padding 'causal', which is for Conv1D only. Use Padding.Valid or Padding.Same.", nameof(padding));
        Filters = filters;
        KernelSize = kernelSize;
        Strides = s;
        Padding = padding;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        Name = name;
        _job = new ImageJob(this);
    }

    /// <summary>Square kernel and stride, as Keras accepts an int.</summary>
    public Conv2D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid,
        Activation activation = Activation.Linear, bool useBias = true, Initializer? kernelInitializer = null,
        Regularizer? kernelRegularizer = null, string? name = null, Regularizer? biasRegularizer = null)
        : this(filters, (kernelSize, kernelSize), (strides, strides), padding, activation, useBias,
            kernelInitializer, null, kernelRegularizer, biasRegularizer, name) { }

    public int Filters { get; }
    public (int Height, int Width) KernelSize { get; }
    public (int Height, int Width) Strides { get; }
    public Padding Padding { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer BiasInitializer { get; }
    public Regularizer? KernelRegularizer { get; }
    public Regularizer? BiasRegularizer { get; }

    public Parameter Kernel => Parameters[0];
    public Parameter? Bias => UseBias ? Parameters[1] : null;

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length != 3)
            throw new ArgumentException(
                $"{Describe()} expects input of shape (None, height, width, channels), received shape {FormatBatchShape(inputShape)}." +
                (inputShape.Length == 2 ? " Add a channel axis: reshape images to (height, width, 1)." : ""));
        var g = ConvGeometry.Create(inputShape[0], inputShape[1], inputShape[2], KernelSize.Height, KernelSize.Width,
            Strides.Height, Strides.Width, Padding);
        if (g.OutHeight <= 0 || g.OutWidth <= 0)
            throw new ArgumentException(
                $"{Describe()} with kernel {KernelSize.Height}x{KernelSize.Width} and padding '{Padding.ToString().ToLowerInvariant()}' does not fit input of shape {FormatBatchShape(inputShape)}.");
        _geometry = g;
        return [g.OutHeight, g.OutWidth, Filters];
    }

    protected override void CreateParameters(Rng rng)
    {
        int[] shape = [KernelSize.Height, KernelSize.Width, InputShape[2], Filters];
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
        _job.Start(ImageJob.Phase.Expand);
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
        _job.Start(ImageJob.Phase.Fold);
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
        config["kernel_size"] = new[] { KernelSize.Height, KernelSize.Width };
        config["strides"] = new[] { Strides.Height, Strides.Width };
        config["padding"] = Padding.ToString().ToLowerInvariant();
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.Name;
        config["bias_initializer"] = BiasInitializer.Name;
        config["kernel_regularizer"] = KernelRegularizer?.GetConfig();
        config["bias_regularizer"] = BiasRegularizer?.GetConfig();
        return config;
    }

    /// <summary>im2col and its adjoint, one image per task.</summary>
    private sealed class ImageJob(Conv2D layer) : ParallelJob
    {
        public enum Phase { Expand, Fold }
        private Phase _phase;

        public void Start(Phase phase) => _phase = phase;

        public override void Run(int image)
        {
            ref readonly var g = ref layer._geometry;
            int inLength = g.InputLength, colsLength = g.OutputPositions * g.PatchLength;
            if (_phase == Phase.Expand)
                Im2Col.Expand(g, layer._input!.Buffer.AsSpan(image * inLength, inLength), layer._cols.AsSpan(image * colsLength, colsLength));
            else
                Im2Col.Fold(g, layer._colsGradient.AsSpan(image * colsLength, colsLength), layer._inputGradient!.Buffer.AsSpan(image * inLength, inLength));
        }
    }
}
