using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers.Core;
using Tailor.Layers.Regularization;
using Tailor.Tensors;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Layers;

public class FlattenTests
{
    [Theory]
    [InlineData(new[] { 3, 4, 2 }, 2)]
    [InlineData(new[] { 5 }, 3)]
    [InlineData(new[] { 7, 5, 1 }, 1)]
    public void Flatten_is_a_row_major_reshape_both_ways(int[] itemShape, int batch)
    {
        LayerGradientCheck.Run(new Flatten(), itemShape, batch, (x, _) => LayerReference.Flatten(x, batch), seed: 1).AssertPassed();
    }
}

public class DropoutTests
{
    [Theory]
    [InlineData(0.3f, 11UL)]
    [InlineData(0.5f, 12UL)]
    [InlineData(0.0f, 13UL)]
    public void Training_forward_and_backward_match_the_reference_with_the_layers_own_mask(float rate, ulong seed)
    {
        int[] itemShape = [4, 3, 2];
        const int batch = 3;
        int n = batch * 24;
        // A twin with the same seed draws the same mask on its first forward; ones reveal it.
        var twin = new Dropout(rate, seed);
        twin.Build(itemShape, new Rng(0));
        var ones = new float[n];
        Array.Fill(ones, 1f);
        var mask = RandomData.ToDouble(twin.Forward(new Tensor(ones, [batch, .. itemShape]), training: true).Span);
        float keep = 1f / (1f - rate);
        Assert.All(mask, m => Assert.True(m == 0 || m == keep, $"mask value {m} is neither 0 nor 1 / (1 - rate) = {keep}"));

        LayerGradientCheck.Run(new Dropout(rate, seed), itemShape, batch,
            (x, _) => LayerReference.Dropout(x, mask, itemShape), seed: 5, training: true).AssertPassed();
    }

    [Fact]
    public void Inference_is_the_identity()
    {
        var ones = Enumerable.Repeat(1.0, 30).ToArray();
        LayerGradientCheck.Run(new Dropout(0.5f, 3), [5, 2], 3, (x, _) => LayerReference.Dropout(x, ones, [5, 2]), seed: 6, training: false)
            .AssertPassed();
    }

    [Fact]
    public void Drops_about_rate_of_the_values()
    {
        var layer = new Dropout(0.3f, seed: 21);
        layer.Build([10_000], new Rng(0));
        var ones = new float[20_000];
        Array.Fill(ones, 1f);
        var y = layer.Forward(new Tensor(ones, 2, 10_000), training: true).Span.ToArray();
        double dropped = y.Count(v => v == 0) / (double)y.Length;
        // Binomial standard deviation sqrt(0.21 / 20000) = 0.0032; allow five of them.
        Assert.InRange(dropped, 0.3 - 0.016, 0.3 + 0.016);
    }
}

public class ActivationLayerTests
{
    public static TheoryData<Activation> All() => new(Enum.GetValues<Activation>());

    [Theory]
    [MemberData(nameof(All))]
    public void Forward_and_gradients_match_the_double_reference(Activation activation)
    {
        int[] itemShape = [3, 2, 5];
        LayerGradientCheck.Run(new ActivationLayer(activation), itemShape, 2,
            (x, _) => LayerReference.ActivationLayer(x, itemShape, activation), seed: 40 + (ulong)activation).AssertPassed();
    }
}
