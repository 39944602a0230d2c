using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Layers;

public class Conv2DTests
{
    private const int Batch = 2, Filters = 2;

    /// <summary>Kernel sizes 1, 2, 3, 5 x strides 1, 2, 3 x valid/same x odd images 7x5 and 9x9 x 1 or 3 channels.</summary>
    public static TheoryData<int, int, Padding, int, int, int> Sweep()
    {
        var data = new TheoryData<int, int, Padding, int, int, int>();
        foreach (int kernel in new[] { 1, 2, 3, 5 })
        foreach (int stride in new[] { 1, 2, 3 })
        foreach (var padding in new[] { Padding.Valid, Padding.Same })
        foreach (var (h, w) in new[] { (7, 5), (9, 9) })
        foreach (int channels in new[] { 1, 3 })
            data.Add(kernel, stride, padding, h, w, channels);
        return data;
    }

    [Theory]
    [MemberData(nameof(Sweep))]
    public void Forward_and_gradients_match_the_double_reference(int kernel, int stride, Padding padding, int height, int width, int channels)
    {
        Check(new Conv2D(Filters, (kernel, kernel), (stride, stride), padding), height, width, channels, Activation.Linear,
            seed: (ulong)(kernel * 10_000 + stride * 1000 + (int)padding * 100 + height * 10 + channels));
    }

    public static TheoryData<Activation> Activations() => new(Enum.GetValues<Activation>());

    [Theory]
    [MemberData(nameof(Activations))]
    public void Every_activation_backpropagates_through_the_convolution(Activation activation)
    {
        Check(new Conv2D(3, (3, 3), (2, 2), Padding.Same, activation), 7, 5, 2, activation, seed: 50 + (ulong)activation);
    }

    /// <summary>Rectangular kernels and strides, and no bias.</summary>
    public static TheoryData<int, int, int, int, Padding, bool> Rectangular() => new()
    {
        { 3, 2, 2, 1, Padding.Valid, true },
        { 2, 3, 1, 3, Padding.Same, true },
        { 1, 5, 3, 2, Padding.Same, false },
        { 5, 1, 1, 1, Padding.Valid, false },
        { 4, 4, 2, 2, Padding.Same, true },
    };

    [Theory]
    [MemberData(nameof(Rectangular))]
    public void Rectangular_kernels_and_strides_and_no_bias(int kh, int kw, int sh, int sw, Padding padding, bool useBias)
    {
        Check(new Conv2D(Filters, (kh, kw), (sh, sw), padding, useBias: useBias), 9, 7, 3, Activation.Linear, seed: (ulong)(kh * 1000 + kw * 100 + sh * 10 + sw));
    }

    /// <summary>
    /// The notebook's first layer (one channel, 3x3 valid, 32 filters) takes the im2col-free kernels: as a
    /// first layer in training (no input gradient, the fused backward) and in inference followed by a
    /// backward pass that needs the input gradient (the patches made then).
    /// </summary>
    [Theory]
    [InlineData(false, true, Activation.Relu)]
    [InlineData(false, true, Activation.Linear)]
    [InlineData(true, false, Activation.Relu)]
    public void A_one_channel_first_layer_matches_the_double_reference(bool inputGradient, bool training, Activation activation)
    {
        var layer = new Conv2D(32, (3, 3), (1, 1), Padding.Valid, activation) { ComputeInputGradient = inputGradient };
        Check(layer, 7, 6, 1, activation, seed: 77 + (ulong)activation, training);
    }

    /// <summary>
    /// An output gradient of mostly exact zeros, as behind a max pooling, on channels in whole vectors: the gradients
    /// that sum only its non-zero terms (where the CPU has their kernels), for patches read in place and padded ones.
    /// </summary>
    [Theory]
    [InlineData(Padding.Valid, 1)]
    [InlineData(Padding.Same, 1)]
    [InlineData(Padding.Valid, 2)]
    public void A_gradient_mostly_zeros_as_behind_a_max_pooling_matches_the_double_reference(Padding padding, int stride)
    {
        Check(new Conv2D(3, (3, 3), (stride, stride), padding), 6, 5, 16, Activation.Linear, seed: 90 + (ulong)stride, upstreamZeros: 0.8);
    }

    private static void Check(Conv2D layer, int height, int width, int channels, Activation activation, ulong seed, bool training = false,
        double upstreamZeros = 0)
    {
        var (kh, kw) = layer.KernelSize;
        var (sh, sw) = layer.Strides;
        var result = LayerGradientCheck.Run(layer, [height, width, channels], Batch,
            (x, p) => LayerReference.Conv2D(x, Batch, height, width, channels, p[0], layer.UseBias ? p[1] : null,
                kh, kw, layer.Filters, sh, sw, layer.Padding, activation),
            seed, training: training, upstreamZeros: upstreamZeros);
        result.AssertPassed();
    }

    [Fact]
    public void Same_padding_puts_the_extra_cell_after_the_image_as_TensorFlow_does()
    {
        // Width 4, kernel 3, stride 2, same: 2 outputs, 1 cell of padding in total, and it goes on the right.
        var layer = new Conv2D(1, (1, 3), (1, 2), Padding.Same, useBias: false);
        layer.Build([1, 4, 1], new Common.Rng(0));
        layer.Kernel.Value.Span.Fill(1);
        var y = layer.Forward(new Tensors.Tensor([1f, 2f, 3f, 4f], 1, 1, 4, 1), training: false);
        Assert.Equal([1, 1, 2, 1], y.Shape.ToArray());
        Assert.Equal([1 + 2 + 3f, 3 + 4 + 0f], y.Span.ToArray());
    }

    [Fact]
    public void Kernel_has_the_Keras_layout_and_count()
    {
        var layer = new Conv2D(32, 3);
        layer.Build([28, 28, 1], new Common.Rng(0));
        Assert.Equal([3, 3, 1, 32], layer.Kernel.Value.Shape.ToArray());
        Assert.Equal([26, 26, 32], layer.OutputShape.ToArray());
        Assert.Equal(320, layer.ParameterCount);
    }
}
