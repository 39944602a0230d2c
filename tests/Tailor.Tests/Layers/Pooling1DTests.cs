using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers.Pooling;
using Tailor.Tensors;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Layers;

public class Pooling1DTests
{
    private const int Batch = 2;

    /// <summary>Pool sizes 1, 2, 3, 5 x strides 1, 2, 3 x valid/same x odd lengths 7 and 10 x 1 or 3 channels.</summary>
    public static TheoryData<int, int, Padding, int, int> Sweep()
    {
        var data = new TheoryData<int, int, Padding, int, int>();
        foreach (int pool in new[] { 1, 2, 3, 5 })
        foreach (int stride in new[] { 1, 2, 3 })
        foreach (var padding in new[] { Padding.Valid, Padding.Same })
        foreach (int steps in new[] { 7, 10 })
        foreach (int channels in new[] { 1, 3 })
            data.Add(pool, stride, padding, steps, channels);
        return data;
    }

    [Theory]
    [MemberData(nameof(Sweep))]
    public void Max_pooling_matches_the_double_reference(int pool, int stride, Padding padding, int steps, int channels)
    {
        // Distinct values, far apart compared with the finite-difference step, so no window's winner changes under it.
        var input = RandomData.Distinct(new Rng((ulong)(pool * 1000 + stride * 100 + steps * 10 + channels)), Batch * steps * channels);
        LayerGradientCheck.Run(new MaxPooling1D(pool, stride, padding), [steps, channels], Batch,
            (x, _) => SequenceLayerReference.Pooling1D(x, Batch, steps, channels, pool, stride, padding, max: true),
            seed: 1, input: input).AssertPassed();
    }

    [Theory]
    [MemberData(nameof(Sweep))]
    public void Average_pooling_matches_the_double_reference(int pool, int stride, Padding padding, int steps, int channels)
    {
        LayerGradientCheck.Run(new AveragePooling1D(pool, stride, padding), [steps, channels], Batch,
            (x, _) => SequenceLayerReference.Pooling1D(x, Batch, steps, channels, pool, stride, padding, max: false),
            seed: (ulong)(pool * 1000 + stride * 100 + steps * 10 + channels)).AssertPassed();
    }

    [Fact]
    public void Defaults_are_Keras_pool_2_stride_equal_to_pool_padding_valid()
    {
        var layer = new MaxPooling1D();
        layer.Build([7, 3], new Rng(0));
        Assert.Equal(2, layer.PoolSize);
        Assert.Equal(2, layer.Strides);
        Assert.Equal([3, 3], layer.OutputShape.ToArray());
        Assert.Equal("max_pooling1d", layer.NamePrefix);
    }

    public static TheoryData<int[], bool> GlobalShapes() => new()
    {
        { [7, 1], true }, { [7, 3], true }, { [10, 17], true }, { [5, 3, 2], false }, { [7, 5, 3], false }, { [3, 3, 17], false },
    };

    [Theory]
    [MemberData(nameof(GlobalShapes))]
    public void Global_average_pooling_matches_the_double_reference(int[] itemShape, bool sequence)
    {
        GlobalPooling layer = sequence ? new GlobalAveragePooling1D() : new GlobalAveragePooling2D();
        LayerGradientCheck.Run(layer, itemShape, 3,
            (x, _) => SequenceLayerReference.GlobalPooling(x, 3, itemShape[^1], max: false),
            seed: (ulong)itemShape.Sum()).AssertPassed();
    }

    [Theory]
    [MemberData(nameof(GlobalShapes))]
    public void Global_max_pooling_matches_the_double_reference(int[] itemShape, bool sequence)
    {
        GlobalPooling layer = sequence ? new GlobalMaxPooling1D() : new GlobalMaxPooling2D();
        var input = RandomData.Distinct(new Rng((ulong)itemShape.Sum()), 3 * itemShape.Aggregate(1, (a, b) => a * b));
        LayerGradientCheck.Run(layer, itemShape, 3,
            (x, _) => SequenceLayerReference.GlobalPooling(x, 3, itemShape[^1], max: true),
            seed: 2, input: input).AssertPassed();
    }

    [Fact]
    public void Global_max_pooling_gradient_goes_to_the_first_maximum_on_ties()
    {
        var layer = new GlobalMaxPooling1D();
        layer.Build([3, 1], new Rng(0));
        layer.Forward(new Tensor([2f, 5f, 5f], 1, 3, 1), training: true);
        var dx = layer.Backward(new Tensor([4f], 1, 1))!;
        Assert.Equal([0f, 4f, 0f], dx.Span.ToArray());
    }

    [Fact]
    public void Global_pooling_names_shapes_and_refuses_the_wrong_rank()
    {
        var layer = new GlobalAveragePooling2D();
        Assert.Equal("global_average_pooling2d", layer.NamePrefix);
        layer.Build([7, 5, 3], new Rng(0));
        Assert.Equal([3], layer.OutputShape.ToArray());
        var e = Assert.Throws<ArgumentException>(() => new GlobalMaxPooling1D().Build([7, 5, 3], new Rng(0)));
        Assert.Contains("(None, steps, channels)", e.Message);
    }
}
