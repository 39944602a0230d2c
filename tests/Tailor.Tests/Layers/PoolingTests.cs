using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers.Pooling;
using Tailor.Tensors;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Layers;

public class PoolingTests
{
    private const int Batch = 2;

    /// <summary>Pool sizes 1, 2, 3, 5 x strides 1, 2, 3 x valid/same x odd images 7x5 and 9x9 x 1 or 3 channels.</summary>
    public static TheoryData<int, int, Padding, int, int, int> Sweep()
    {
        var data = new TheoryData<int, int, Padding, int, int, int>();
        foreach (int pool in new[] { 1, 2, 3, 5 })
        foreach (int stride in new[] { 1, 2, 3 })
        foreach (var padding in new[] { Padding.Valid, Padding.Same })
        foreach (var (h, w) in new[] { (7, 5), (9, 9) })
        foreach (int channels in new[] { 1, 3 })
            data.Add(pool, stride, padding, h, w, channels);
        return data;
    }

    [Theory]
    [MemberData(nameof(Sweep))]
    public void Max_pooling_matches_the_double_reference(int pool, int stride, Padding padding, int height, int width, int channels)
    {
        var layer = new MaxPooling2D((pool, pool), (stride, stride), padding);
        var rng = new Rng((ulong)(pool * 1000 + stride * 100 + height * 10 + channels));
        // Distinct values far apart compared with the finite-difference step, so no window's winner changes under it.
        var input = RandomData.Distinct(rng, Batch * height * width * channels);
        LayerGradientCheck.Run(layer, [height, width, channels], Batch,
            (x, _) => LayerReference.MaxPooling2D(x, Batch, height, width, channels, pool, pool, stride, stride, padding),
            seed: 1, input: input).AssertPassed();
    }

    [Theory]
    [MemberData(nameof(Sweep))]
    public void Average_pooling_matches_the_double_reference(int pool, int stride, Padding padding, int height, int width, int channels)
    {
        var layer = new AveragePooling2D((pool, pool), (stride, stride), padding);
        LayerGradientCheck.Run(layer, [height, width, channels], Batch,
            (x, _) => LayerReference.AveragePooling2D(x, Batch, height, width, channels, pool, pool, stride, stride, padding),
            seed: (ulong)(pool * 1000 + stride * 100 + height * 10 + channels)).AssertPassed();
    }

    [Theory]
    [InlineData(3, 2, 2, 1, Padding.Same)]
    [InlineData(2, 3, 1, 3, Padding.Valid)]
    [InlineData(1, 4, 2, 2, Padding.Same)]
    public void Rectangular_windows_and_strides(int ph, int pw, int sh, int sw, Padding padding)
    {
        var rng = new Rng(7);
        var input = RandomData.Distinct(rng, Batch * 9 * 7 * 2);
        LayerGradientCheck.Run(new MaxPooling2D((ph, pw), (sh, sw), padding), [9, 7, 2], Batch,
            (x, _) => LayerReference.MaxPooling2D(x, Batch, 9, 7, 2, ph, pw, sh, sw, padding), seed: 2, input: input).AssertPassed();
        LayerGradientCheck.Run(new AveragePooling2D((ph, pw), (sh, sw), padding), [9, 7, 2], Batch,
            (x, _) => LayerReference.AveragePooling2D(x, Batch, 9, 7, 2, ph, pw, sh, sw, padding), seed: 3).AssertPassed();
    }

    [Fact]
    public void Defaults_are_Keras_pool_2_stride_equal_to_pool_padding_valid()
    {
        var layer = new MaxPooling2D();
        layer.Build([7, 5, 3], new Rng(0));
        Assert.Equal((2, 2), layer.PoolSize);
        Assert.Equal((2, 2), layer.Strides);
        Assert.Equal(Padding.Valid, layer.Padding);
        Assert.Equal([3, 2, 3], layer.OutputShape.ToArray());

        var strided = new AveragePooling2D(3);
        strided.Build([9, 9, 1], new Rng(0));
        Assert.Equal([3, 3, 1], strided.OutputShape.ToArray());
    }

    [Fact]
    public void Same_padding_average_excludes_the_padded_cells()
    {
        // Keras: AveragePooling2D(2, padding="same") on [[1,2,3],[4,5,6],[7,8,9]] gives [[3, 4.5], [7.5, 9]].
        var layer = new AveragePooling2D(2, padding: Padding.Same);
        layer.Build([3, 3, 1], new Rng(0));
        var y = layer.Forward(new Tensor([1f, 2, 3, 4, 5, 6, 7, 8, 9], 1, 3, 3, 1), training: false);
        Assert.Equal([3f, 4.5f, 7.5f, 9f], y.Span.ToArray());
    }

    [Fact]
    public void Same_padding_max_never_picks_a_padded_cell()
    {
        var layer = new MaxPooling2D(2, padding: Padding.Same);
        layer.Build([3, 3, 1], new Rng(0));
        var y = layer.Forward(new Tensor([-1f, -2, -3, -4, -5, -6, -7, -8, -9], 1, 3, 3, 1), training: false);
        Assert.Equal([-1f, -3f, -7f, -9f], y.Span.ToArray());
    }

    [Fact]
    public void Max_pooling_gradient_goes_to_the_first_maximum_on_ties()
    {
        var layer = new MaxPooling2D(2);
        layer.Build([2, 2, 1], new Rng(0));
        layer.Forward(new Tensor([5f, 5f, 1f, 5f], 1, 2, 2, 1), training: true);
        var dx = layer.Backward(new Tensor([3f], 1, 1, 1, 1))!;
        Assert.Equal([3f, 0f, 0f, 0f], dx.Span.ToArray());
    }

    [Theory]
    [InlineData(2, 2, Padding.Valid, 3)]
    [InlineData(3, 2, Padding.Same, 17)]
    public void Max_pooling_in_inference_gives_the_training_output_and_a_backward_pass_still_routes_to_the_winners(int pool, int stride, Padding padding, int channels)
    {
        var rng = new Rng(41);
        var x = new Tensor(RandomData.Distinct(rng, Batch * 9 * 7 * channels), Batch, 9, 7, channels);
        var trained = new MaxPooling2D((pool, pool), (stride, stride), padding);
        var inferred = new MaxPooling2D((pool, pool), (stride, stride), padding);
        trained.Build([9, 7, channels], new Rng(0));
        inferred.Build([9, 7, channels], new Rng(0));
        var expected = trained.Forward(x, training: true).Clone();
        var actual = inferred.Forward(x, training: false);
        Assert.Equal(expected.Span.ToArray(), actual.Span.ToArray());

        // Inference keeps no winners: a backward pass after it finds them again from the same input.
        var dy = new Tensor(RandomData.Uniform(rng, expected.Span.Length, -1, 1), expected.Shape.ToArray());
        var dxTrained = trained.Backward(dy)!.Clone();
        var dxInferred = inferred.Backward(dy)!;
        Assert.Equal(dxTrained.Span.ToArray(), dxInferred.Span.ToArray());
    }
}
