using Tailor.Common;
using Tailor.Graphs;
using Tailor.Initializers;
using Tailor.Kernels;
using Tailor.Regularizers;

namespace Tailor.Layers.Convolutional;

/// <summary>
/// 2D convolution over NHWC input, kernel of shape (kh, kw, in_channels, filters) as in Keras.
/// Lowered to one matrix product per batch: the patches of every image (im2col) times the kernel.
/// </summary>
public sealed class Conv2D : Convolution
{
    [ConfigConstructor]
    public Conv2D(int filters, (int Height, int Width) kernelSize, (int Height, int Width)? strides = null,
        Padding padding = Padding.Valid, Activation activation = Activation.Linear, bool useBias = true,
        Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
        Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, string? name = null)
        : base(filters, padding, activation, useBias, kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, name)
    {
        Guard.Size(kernelSize.Height, "kernel_size");
        Guard.Size(kernelSize.Width, "kernel_size");
        var s = strides ?? (1, 1);
        Guard.Size(s.Height, "strides");
        Guard.Size(s.Width, "strides");
        if (padding == Padding.Causal)
            throw new ArgumentException("Conv2D does not support padding 'causal', which is for Conv1D only. Use Padding.Valid or Padding.Same.", nameof(padding));
        KernelSize = kernelSize;
        Strides = s;
    }

    /// <summary>Square kernel and stride, as Keras accepts an int.</summary>
    public Conv2D(int filters, int kernelSize, int strides = 1, Padding padding = Padding.Valid,
        Activation activation = Activation.Linear, bool useBias = true, Initializer? kernelInitializer = null,
        Regularizer? kernelRegularizer = null, string? name = null, Regularizer? biasRegularizer = null)
        : this(filters, (kernelSize, kernelSize), (strides, strides), padding, activation, useBias,
            kernelInitializer, null, kernelRegularizer, biasRegularizer, name) { }

    public (int Height, int Width) KernelSize { get; }
    public (int Height, int Width) Strides { get; }

    protected override int[] KernelShape => [KernelSize.Height, KernelSize.Width, InputShape[2], Filters];

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
        Geometry = g;
        return [g.OutHeight, g.OutWidth, Filters];
    }

    public override void DescribeInference(InferenceGraph graph)
    {
        var (kh, kw) = KernelSize;
        int cin = InputShape[2];
        DescribeConvolution(graph, ChannelsFirstKernel(Kernel.Value.Span, kh, kw, cin, Filters), [Filters, cin, kh, kw],
            ("kernel_shape", new long[] { kh, kw }),
            ("strides", new long[] { Strides.Height, Strides.Width }),
            ("pads", WindowPads.Of(InputShape[..2], [kh, kw], [Strides.Height, Strides.Width], Padding)));
    }

    public override Dictionary<string, object?> GetConfig() => ConvolutionConfig(new()
    {
        ["kernel_size"] = new[] { KernelSize.Height, KernelSize.Width },
        ["strides"] = new[] { Strides.Height, Strides.Width },
        ["padding"] = Padding.ToString().ToLowerInvariant(),
    });
}
