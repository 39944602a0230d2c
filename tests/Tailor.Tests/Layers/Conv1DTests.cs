using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Tensors;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Layers;

public class Conv1DTests
{
    private const int Batch = 2, Filters = 2;

    /// <summary>
    /// Every padding (valid, same, causal) x stride 1, 2, 3 x dilation 1, 2, 3 that Keras accepts (a
    /// stride above 1 needs dilation 1) x kernel 1, 2, 3 x odd lengths 7 and 10 x 1 or 3 channels.
    /// </summary>
    public static TheoryData<Padding, int, int, int, int, int> Sweep()
    {
        var data = new TheoryData<Padding, int, int, int, int, int>();
        foreach (var padding in Enum.GetValues<Padding>())
        foreach (int stride in new[] { 1, 2, 3 })
        foreach (int dilation in new[] { 1, 2, 3 })
        foreach (int kernel in new[] { 1, 2, 3 })
        foreach (int steps in new[] { 7, 10 })
        foreach (int channels in new[] { 1, 3 })
        {
            if (stride > 1 && dilation > 1) continue;
            data.Add(padding, stride, dilation, kernel, steps, channels);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Sweep))]
    public void Forward_and_gradients_match_the_double_reference(Padding padding, int stride, int dilation, int kernel, int steps, int channels)
    {
        Check(new Conv1D(Filters, kernel, stride, padding, dilation), steps, channels, Activation.Linear,
            seed: (ulong)((int)padding * 100_000 + stride * 10_000 + dilation * 1000 + kernel * 100 + steps * 10 + channels));
    }

    [Theory]
    [MemberData(nameof(Sweep))]
    public void Geometry_matches_TensorFlows_output_length_and_padding(Padding padding, int stride, int dilation, int kernel, int steps, int channels)
    {
        _ = channels;
        Assert.Equal(SequenceLayerReference.Axis(steps, kernel, stride, dilation, padding), ConvGeometry.Axis(steps, kernel, stride, padding, dilation));
    }

    public static TheoryData<Activation> Activations() => new(Enum.GetValues<Activation>());

    [Theory]
    [MemberData(nameof(Activations))]
    public void Every_activation_backpropagates_through_the_convolution(Activation activation)
    {
        Check(new Conv1D(3, 3, padding: Padding.Causal, dilationRate: 2, activation: activation), 9, 2, activation, seed: 70 + (ulong)activation);
    }

    [Theory]
    [InlineData(Padding.Valid)]
    [InlineData(Padding.Same)]
    [InlineData(Padding.Causal)]
    public void Without_bias(Padding padding)
    {
        Check(new Conv1D(Filters, 2, 2, padding, useBias: false), 9, 3, Activation.Linear, seed: 90 + (ulong)padding);
    }

    private static void Check(Conv1D layer, int steps, int channels, Activation activation, ulong seed)
    {
        LayerGradientCheck.Run(layer, [steps, channels], Batch,
            (x, p) => SequenceLayerReference.Conv1D(x, Batch, steps, channels, p[0], layer.UseBias ? p[1] : null,
                layer.KernelSize, layer.Filters, layer.Strides, layer.DilationRate, layer.Padding, activation),
            seed).AssertPassed();
    }

    [Fact]
    public void Strides_and_dilation_above_one_together_are_refused_as_Keras_does()
    {
        var e = Assert.Throws<ArgumentException>(() => new Conv1D(4, 3, strides: 2, dilationRate: 2));
        Assert.Contains("strides=2, dilation_rate=2", e.Message);
    }

    [Fact]
    public void Causal_output_at_step_t_sees_only_inputs_up_to_t()
    {
        // Kernel of ones, width 2, dilation 2: y[t] = x[t - 2] + x[t].
        var layer = new Conv1D(1, 2, padding: Padding.Causal, dilationRate: 2, useBias: false);
        layer.Build([5, 1], new Rng(0));
        layer.Kernel.Value.Span.Fill(1);
        var y = layer.Forward(new Tensor([1f, 2, 3, 4, 5], 1, 5, 1), training: false);
        Assert.Equal([1, 5, 1], y.Shape.ToArray());
        Assert.Equal([1f, 2, 1 + 3, 2 + 4, 3 + 5], y.Span.ToArray());
    }

    [Fact]
    public void Kernel_has_the_Keras_layout_count_and_config()
    {
        var layer = new Conv1D(64, 3, activation: Activation.Relu);
        layer.Build([28, 28], new Rng(0));
        Assert.Equal([3, 28, 64], layer.Kernel.Value.Shape.ToArray());
        Assert.Equal([26, 64], layer.OutputShape.ToArray());
        Assert.Equal(3 * 28 * 64 + 64, layer.ParameterCount);
        var config = layer.GetConfig();
        Assert.Equal(new[] { 3 }, config["kernel_size"]);
        Assert.Equal(new[] { 1 }, config["dilation_rate"]);
        Assert.Equal("valid", config["padding"]);
        Assert.Equal("relu", config["activation"]);
    }

    [Fact]
    public void Images_given_to_it_are_refused_with_a_hint_to_reshape()
    {
        var layer = new Conv1D(4, 3, name: "conv1d");
        var e = Assert.Throws<ArgumentException>(() => layer.Build([28, 28, 1], new Rng(0)));
        Assert.Contains("Conv1D 'conv1d' expects input of shape (None, steps, channels), received shape (None, 28, 28, 1)", e.Message);
        Assert.Contains("Reshape", e.Message);
    }

    [Fact]
    public void Conv2D_and_2D_pooling_refuse_causal_padding()
    {
        Assert.Throws<ArgumentException>(() => new Conv2D(1, 3, padding: Padding.Causal));
        Assert.Throws<ArgumentException>(() => new Tailor.Layers.Pooling.MaxPooling2D(2, padding: Padding.Causal));
        Assert.Throws<ArgumentException>(() => new Tailor.Layers.Pooling.MaxPooling1D(2, padding: Padding.Causal));
    }
}
