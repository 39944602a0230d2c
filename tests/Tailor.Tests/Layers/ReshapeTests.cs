using Tailor.Common;
using Tailor.Layers.Core;
using Tailor.Tensors;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Layers;

public class ReshapeTests
{
    [Theory]
    [InlineData(new[] { 28, 28, 1 }, new[] { 28, 28 }, new[] { 28, 28 })]
    [InlineData(new[] { 6, 5 }, new[] { -1, 3 }, new[] { 10, 3 })]
    [InlineData(new[] { 30 }, new[] { 2, -1, 5 }, new[] { 2, 3, 5 })]
    public void Keeps_the_values_in_order_and_infers_minus_one(int[] input, int[] target, int[] expected)
    {
        var layer = new Reshape(target);
        LayerGradientCheck.Run(layer, input, 2, (x, _) => new RefTensor((double[])x.Clone(), expected), seed: 3).AssertPassed();
        Assert.Equal(expected, layer.OutputShape.ToArray());
    }

    [Fact]
    public void A_shape_of_another_size_is_refused_naming_both_shapes()
    {
        var layer = new Reshape([5, 5], name: "reshape");
        var e = Assert.Throws<ArgumentException>(() => layer.Build([28, 28, 1], new Rng(0)));
        Assert.Contains("Reshape 'reshape' cannot reshape input of shape (None, 28, 28, 1) (784 values per sample) to target shape (5, 5)", e.Message);
        Assert.Throws<ArgumentException>(() => new Reshape(-1, -1));
        Assert.Throws<ArgumentException>(() => new Reshape(0, 4));
    }

    [Fact]
    public void Shares_the_input_buffer()
    {
        var layer = new Reshape(4, 2);
        layer.Build([8], new Rng(0));
        var x = new Tensor(Enumerable.Range(0, 16).Select(i => (float)i).ToArray(), 2, 8);
        var y = layer.Forward(x, training: false);
        Assert.Same(x.Buffer, y.Buffer);
        Assert.Equal([2, 4, 2], y.Shape.ToArray());
        Assert.Equal(new[] { 4, 2 }, layer.GetConfig()["target_shape"]);
    }
}
