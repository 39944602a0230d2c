using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers.Core;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Layers;

public class DenseTests
{
    public static TheoryData<Activation, int, int, int, bool> Cases()
    {
        var data = new TheoryData<Activation, int, int, int, bool>();
        foreach (var activation in Enum.GetValues<Activation>())
        {
            data.Add(activation, 1, 1, 1, true);
            data.Add(activation, 7, 5, 3, true);
            data.Add(activation, 17, 10, 4, false);
            data.Add(activation, 33, 16, 2, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_and_gradients_match_the_double_reference(Activation activation, int inputs, int units, int batch, bool useBias)
    {
        var layer = new Dense(units, activation, useBias);
        var result = LayerGradientCheck.Run(layer, [inputs], batch,
            (x, p) => LayerReference.Dense(x, batch, p[0], useBias ? p[1] : null, units, activation),
            seed: (ulong)(1000 * (int)activation + 10 * inputs + units));
        result.AssertPassed();
    }

    /// <summary>An input of mostly exact zeros, as an image or a ReLU output, takes the zero-skipping products.</summary>
    [Theory]
    [InlineData(Activation.Relu, true)]
    [InlineData(Activation.Linear, false)]
    public void A_mostly_zero_input_matches_the_double_reference(Activation activation, bool useBias)
    {
        const int inputs = 70, units = 32, batch = 5;
        var rng = new Common.Rng(9);
        var x = RandomData.Uniform(rng, batch * inputs);
        for (int i = 0; i < x.Length; i++) if (rng.NextFloat() < 0.6f) x[i] = 0;
        var layer = new Dense(units, activation, useBias);
        LayerGradientCheck.Run(layer, [inputs], batch, (xd, p) => LayerReference.Dense(xd, batch, p[0], useBias ? p[1] : null, units, activation),
            seed: 11, input: x).AssertPassed();
    }

    [Fact]
    public void Kernel_has_the_Keras_layout_inputs_by_units()
    {
        var layer = new Dense(128);
        layer.Build([784], new Rng(1));
        Assert.Equal([784, 128], layer.Kernel.Value.Shape.ToArray());
        Assert.Equal([128], layer.Bias!.Value.Shape.ToArray());
        Assert.Equal(100_480, layer.ParameterCount);
    }

    [Fact]
    public void Smaller_batch_after_a_larger_one_reuses_buffers_and_stays_correct()
    {
        var layer = new Dense(4, Activation.Tanh);
        LayerGradientCheck.Run(layer, [6], 8, (x, p) => LayerReference.Dense(x, 8, p[0], p[1], 4, Activation.Tanh), seed: 3).AssertPassed();
        LayerGradientCheck.Run(layer, [6], 3, (x, p) => LayerReference.Dense(x, 3, p[0], p[1], 4, Activation.Tanh), seed: 4).AssertPassed();
    }

    [Theory]
    [InlineData(3)]
    [InlineData(64)]
    public void Inference_gives_the_training_outputs_and_a_backward_after_it_uses_its_own_input(int batch)
    {
        // Sparse rows, as images and ReLU outputs are: training takes the zero-skipping product, inference at
        // a GEMM tile's rows or more the plain product; both must give the same bits.
        var rng = new Rng(17);
        const int inputs = 300, units = 32;
        float[] Sparse(int at) => RandomData.Uniform(rng, batch * inputs, -1, 1).Select((v, i) => i % 3 == at ? v : 0f).ToArray();
        // Zeros in other places in the two batches, so stale non-zero masks would drop terms.
        var first = new Tensors.Tensor(Sparse(0), batch, inputs);
        var second = new Tensors.Tensor(Sparse(1), batch, inputs);
        var trained = new Dense(units, Activation.Relu);
        var inferred = new Dense(units, Activation.Relu);
        trained.Build([inputs], new Rng(5));
        inferred.Build([inputs], new Rng(5));
        var dy = new Tensors.Tensor(RandomData.Uniform(rng, batch * units, -1, 1), batch, units);

        var expected = trained.Forward(second, training: true).Span.ToArray();
        trained.Backward(dy);
        var expectedGradient = trained.Kernel.Gradient.Span.ToArray();

        // A training forward on another batch first, then the inference forward whose backward follows.
        inferred.Forward(first, training: true);
        var actual = inferred.Forward(second, training: false).Span.ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        inferred.Backward(dy);
        Assert.Equal(expectedGradient.Select(BitConverter.SingleToInt32Bits), inferred.Kernel.Gradient.Span.ToArray().Select(BitConverter.SingleToInt32Bits));
    }
}
