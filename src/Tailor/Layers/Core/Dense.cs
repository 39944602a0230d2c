using System.Runtime.CompilerServices;
using Tailor.Common;
using Tailor.Graphs;
using Tailor.Initializers;
using Tailor.Kernels;
using Tailor.Regularizers;
using Tailor.Tensors;

namespace Tailor.Layers.Core;

/// <summary>A fully connected layer: y = activation(x W + b), W of shape (inputs, units) as in Keras.</summary>
public sealed class Dense : ActivatedLayer
{
    private Tensor? _input;
    private Tensor? _inputGradient;
    /// <summary>Images and ReLU outputs are about half exact zeros: the products with them skip those terms.</summary>
    private ZeroSkippingGemm _zeroSkipping = new();

    public Dense(int units, Activation activation = Activation.Linear, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, string? name = null)
        : base(activation)
    {
        Guard.Size(units);
        Units = units;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        Name = name;
    }

    // A twin keeps its own scratch.
    private protected override void OnTwinCreated() => _zeroSkipping = new ZeroSkippingGemm();

    public int Units { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer BiasInitializer { get; }
    public Regularizer? KernelRegularizer { get; }
    public Regularizer? BiasRegularizer { get; }

    public Parameter Kernel => Parameters[0];
    public Parameter? Bias => UseBias ? Parameters[1] : null;

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length != 1)
            throw new ArgumentException(
                $"{Describe()} expects input of shape (None, features), received shape {FormatBatchShape(inputShape)}. Add a Flatten layer before it.");
        return [Units];
    }

    protected override void CreateParameters(Rng rng) =>
        AddKernelAndBias([InputShape[0], Units], UseBias, KernelInitializer, BiasInitializer, KernelRegularizer, BiasRegularizer, rng);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        int batch = input.Dim(0), inputs = InputShape[0];
        _input = input;
        var z = PreActivationBuffer(batch);
        var bias = UseBias ? Bias!.Value.Span : default;
        // Training needs the skipping forward for the weight gradient's skipping product; inference takes it only
        // for fewer rows than a GEMM tile, where the GEMM would compute padding (at batch 64 the GEMM is faster:
        // 784 to 128, 40 us against 53-75 us on two threads). Both give the same bits.
        bool skip = training || batch < GemmMicroKernels.Mr512;
        if (!skip) _zeroSkipping.Forget();
        if (!skip || !_zeroSkipping.TryForward(input.Span, batch, inputs, Kernel.Value.Span, Units, z.Span, bias, ProductAppliesRelu))
            Gemm.Multiply(false, false, batch, Units, inputs, input.Span, inputs, Kernel.Value.Span, Units, z.Span, Units,
                accumulate: false, bias, ProductAppliesRelu);
        return Activate(z);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor? Backward(Tensor outputGradient)
    {
        var dz = PreActivationGradient(outputGradient, UseBias ? Bias!.Gradient.Span : default);
        int batch = dz.Dim(0), inputs = InputShape[0];
        if (!_zeroSkipping.TryTransposedLeft(_input!.Span, batch, inputs, dz.Span, Units, Kernel.Gradient.Span))
            Gemm.Multiply(true, false, inputs, Units, batch, _input!.Span, inputs, dz.Span, Units, Kernel.Gradient.Span, Units);
        if (!ComputeInputGradient) return null;
        var dx = Ensure(ref _inputGradient, batch, InputShape);
        Gemm.Multiply(false, true, batch, inputs, Units, dz.Span, Units, Kernel.Value.Span, Units, dx.Span, inputs);
        return dx;
    }

    /// <summary>Gemm (MatMul without a bias) on channels-last features, which keeps Keras's kernel as it is.</summary>
    public override void DescribeInference(InferenceGraph graph)
    {
        string input = graph.Input(TensorLayout.ChannelsLast);
        var w = Kernel.Value;
        string kernel = graph.Constant("kernel", w.Span, [w.Dim(0), w.Dim(1)]);
        string product = Bias is { } b
            ? graph.Node("Gemm", "gemm", [input, kernel, graph.Constant("bias", b.Value.Span, [b.Value.Length])])
            : graph.Node("MatMul", "matmul", [input, kernel]);
        graph.SetOutput(DescribeActivation(graph, product, TensorLayout.ChannelsLast), TensorLayout.ChannelsLast);
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["units"] = Units;
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.Name;
        config["bias_initializer"] = BiasInitializer.Name;
        config["kernel_regularizer"] = KernelRegularizer?.GetConfig();
        config["bias_regularizer"] = BiasRegularizer?.GetConfig();
        return config;
    }
}
