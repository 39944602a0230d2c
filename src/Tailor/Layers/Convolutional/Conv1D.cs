using Tailor.Common;
using Tailor.Graphs;
using Tailor.Initializers;
using Tailor.Kernels;
using Tailor.Regularizers;

namespace Tailor.Layers.Convolutional;

/// <summary>
/// 1D convolution over sequences (batch, steps, channels), kernel of shape (kernel_size, in_channels,
/// filters) as in Keras. It runs as a 2D convolution of height 1 through the same im2col and matrix
/// product as <see cref="Conv2D"/> (<see cref="Convolution"/>); dilation spreads the kernel's taps apart, and causal padding pads
/// only the start so that output t depends on inputs up to t.
/// </summary>
public sealed class Conv1D : Convolution
{
    public Conv1D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid, int dilationRate = 1,
        Activation activation = Activation.Linear, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, string? name = null)
        : base(filters, padding, activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, name)
    {
        Guard.Size(kernelSize, "kernel_size");
        Guard.Size(strides);
        Guard.Size(dilationRate, "dilation_rate");
        // Keras refuses the combination too: a strided dilated kernel skips inputs in a way no one means.
        if (strides > 1 && dilationRate > 1)
            throw new ArgumentException($"When `strides` > 1, `dilation_rate` must be 1. Received: strides={strides}, dilation_rate={dilationRate}.", nameof(dilationRate));
        if ((long)(kernelSize - 1) * dilationRate >= int.MaxValue)
            throw new ArgumentException($"A kernel of size {kernelSize} with `dilation_rate` {dilationRate} spans more steps than a sequence can have.", nameof(dilationRate));
        KernelSize = kernelSize;
        Strides = strides;
        DilationRate = dilationRate;
    }

    public int KernelSize { get; }
    public int Strides { get; }
    public int DilationRate { get; }

    protected override int[] KernelShape => [KernelSize, InputShape[1], Filters];

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
        Geometry = g;
        return [g.OutWidth, Filters];
    }

    /// <summary>Keras's (k, cin, cout) kernel is a (1, k, cin, cout) 2D one: the same reordering gives ONNX's (cout, cin, k).</summary>
    public override void DescribeInference(InferenceGraph graph)
    {
        int cin = InputShape[1];
        DescribeConvolution(graph, ChannelsFirstKernel(Kernel.Value.Span, 1, KernelSize, cin, Filters), [Filters, cin, KernelSize],
            ("kernel_shape", new long[] { KernelSize }),
            ("strides", new long[] { Strides }),
            ("dilations", new long[] { DilationRate }),
            ("pads", WindowPads.Of(InputShape[..1], [KernelSize], [Strides], Padding, DilationRate)));
    }

    public override Dictionary<string, object?> GetConfig() => ConvolutionConfig(new()
    {
        ["kernel_size"] = new[] { KernelSize },
        ["strides"] = new[] { Strides },
        ["padding"] = Padding.ToString().ToLowerInvariant(),
        ["dilation_rate"] = new[] { DilationRate },
    });
}
