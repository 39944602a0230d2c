using Tailor.Kernels;

namespace Tailor.Tests.Kernels;

/// <summary>
/// Activations and bias kernels against double references on every length 0-40 and larger odd and
/// round ones. Their SIMD comes from Vector&lt;T&gt; and TensorPrimitives, which follow the process's
/// instruction sets; IsaChildProcessTests reruns these sweeps with the wider sets switched off.
/// </summary>
public class ElementwiseKernelTests
{
    public static TheoryData<Activation> All() => new(Enum.GetValues<Activation>());

    [Theory]
    [MemberData(nameof(All))]
    public void Activation_forward_and_backward_equal_the_double_reference(Activation activation)
    {
        var failures = ElementwiseSweep.Activations(activation);
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(10)));
    }

    [Fact]
    public void Relu_backward_equals_the_reference()
    {
        var failures = ElementwiseSweep.ReluBackward();
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(10)));
    }

    [Fact]
    public void Bias_add_and_row_sums_equal_the_reference()
    {
        var failures = ElementwiseSweep.Bias();
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(10)));
    }

    [Fact]
    public void Softmax_of_large_logits_is_finite()
    {
        float[] z = [100f, 0f, -100f, 95f, 1000f, 999f];
        var y = new float[6];
        Activations.Forward(Activation.Softmax, z, y, 3);
        Assert.All(y, v => Assert.True(float.IsFinite(v), $"softmax gave {v}"));
        Assert.Equal(1f, y[0], 1e-6f);
        Assert.Equal(1 / (1 + MathF.Exp(-1)), y[4], 1e-6f);
    }

    [Fact]
    public void Names_parse_as_Keras_spells_them_and_unknown_names_list_the_valid_ones()
    {
        Assert.Equal(Activation.LeakyRelu, Activations.Parse("leaky_relu"));
        Assert.Equal("gelu", Activation.Gelu.KerasName());
        var e = Assert.Throws<ArgumentException>(() => Activations.Parse("swish"));
        Assert.Contains("'swish'", e.Message);
        Assert.Contains("relu, sigmoid", e.Message);
    }
}
