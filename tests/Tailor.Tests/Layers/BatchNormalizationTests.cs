using Tailor.Common;
using Tailor.Layers.Normalization;
using Tailor.Optimizers;
using Tailor.Tensors;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Layers;

public class BatchNormalizationTests
{
    /// <summary>Features of a dense layer, sequences and images; the last has 5 x 9 x 9 = 405 rows, more than one reduction chunk.</summary>
    public static TheoryData<int[], int, bool, bool> Shapes() => new()
    {
        { [5], 7, true, true },
        { [17], 3, true, false },
        { [10, 3], 2, false, true },
        { [3, 5, 4], 3, false, false },
        { [9, 9, 3], 5, true, true },
        { [1], 2, true, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Training_mode_with_batch_statistics_matches_the_double_reference(int[] itemShape, int batch, bool center, bool scale)
    {
        var layer = new BatchNormalization(center: center, scale: scale);
        LayerGradientCheck.Run(layer, itemShape, batch, (x, p) => Reference(layer, x, p, itemShape, training: true),
            seed: (ulong)(itemShape.Sum() * 10 + batch), training: true).AssertPassed();
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Inference_mode_with_moving_statistics_matches_the_double_reference(int[] itemShape, int batch, bool center, bool scale)
    {
        var layer = new BatchNormalization(center: center, scale: scale);
        var rng = new Rng((ulong)itemShape.Sum());
        layer.Build(itemShape, rng);
        RandomData.Uniform(rng, itemShape[^1], -0.5f, 0.5f).CopyTo(layer.MovingMean.Value.Span);
        RandomData.Uniform(rng, itemShape[^1], 0.05f, 2f).CopyTo(layer.MovingVariance.Value.Span);
        LayerGradientCheck.Run(layer, itemShape, batch, (x, p) => Reference(layer, x, p, itemShape, training: false),
            seed: (ulong)(itemShape.Sum() * 10 + batch), training: false).AssertPassed();
    }

    private static RefTensor Reference(BatchNormalization layer, double[] x, double[][] p, int[] itemShape, bool training)
    {
        int i = 0;
        var gamma = layer.Scale ? p[i++] : null;
        var beta = layer.Center ? p[i++] : null;
        return BatchNormalizationReference.Forward(x, itemShape, gamma, beta, p[i], p[i + 1], layer.Epsilon, training);
    }

    [Fact]
    public void Training_moves_the_moving_statistics_with_momentum_and_inference_uses_them()
    {
        var layer = new BatchNormalization(momentum: 0.9f);
        layer.Build([2], new Rng(0));
        // Channel 0: 1, 3 (mean 2, biased variance 1); channel 1: 0, 4 (mean 2, variance 4).
        var x = new Tensor([1f, 0f, 3f, 4f], 2, 2);
        layer.Forward(x, training: true);
        AssertClose([0.9 * 0 + 0.1 * 2, 0.9 * 0 + 0.1 * 2], layer.MovingMean.Value.Span);
        AssertClose([0.9 * 1 + 0.1 * 1, 0.9 * 1 + 0.1 * 4], layer.MovingVariance.Value.Span);

        var before = layer.MovingMean.Value.Span.ToArray();
        var y = layer.Forward(new Tensor([1f, 1f], 1, 2), training: false);
        Assert.Equal(before, layer.MovingMean.Value.Span.ToArray());
        AssertClose([(1 - 0.2) / Math.Sqrt(1 + 1e-3), (1 - 0.2) / Math.Sqrt(1.3 + 1e-3)], y.Span);
    }

    private static void AssertClose(double[] expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(actual[i] - expected[i]) < 1e-6, $"[{i}]: {actual[i]:R}, expected {expected[i]:R}");
    }

    [Fact]
    public void Weights_are_gamma_beta_and_two_non_trainable_moving_statistics_as_in_Keras()
    {
        var layer = new BatchNormalization();
        layer.Build([26, 26, 32], new Rng(0));
        Assert.Equal(["gamma", "beta", "moving_mean", "moving_variance"], layer.Parameters.Select(p => p.Name));
        Assert.Equal([true, true, false, false], layer.Parameters.Select(p => p.Trainable));
        Assert.Equal(128, layer.ParameterCount);
        Assert.Equal(64, layer.TrainableParameterCount);
        Assert.All(layer.Gamma!.Value.Span.ToArray(), v => Assert.Equal(1f, v));
        Assert.All(layer.MovingVariance.Value.Span.ToArray(), v => Assert.Equal(1f, v));
        var config = layer.GetConfig();
        Assert.Equal(0.99f, config["momentum"]);
        Assert.Equal(1e-3f, config["epsilon"]);
        Assert.Equal(-1, config["axis"]);
        Assert.Equal("batch_normalization", layer.NamePrefix);
    }

    public static TheoryData<string> OptimizerNames() => new(Optimizer.Names);

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void Optimizers_leave_the_moving_statistics_to_the_layer(string name)
    {
        var layer = new BatchNormalization();
        layer.Build([3], new Rng(0));
        layer.Forward(new Tensor([1f, 2f, 3f, -1f, 0f, 5f], 2, 3), training: true);
        layer.Backward(new Tensor([0.5f, -1f, 2f, 1f, 1f, -3f], 2, 3));
        // Even a stray gradient on a moving statistic must not move it.
        layer.MovingMean.Gradient.Span.Fill(1);
        var mean = layer.MovingMean.Value.Span.ToArray();
        var variance = layer.MovingVariance.Value.Span.ToArray();
        var gamma = layer.Gamma!.Value.Span.ToArray();
        var optimizer = Optimizer.Parse(name);
        optimizer.ClipNorm = 0.5f;
        optimizer.Apply(layer.Parameters);
        Assert.Equal(mean, layer.MovingMean.Value.Span.ToArray());
        Assert.Equal(variance, layer.MovingVariance.Value.Span.ToArray());
        Assert.NotEqual(gamma, layer.Gamma.Value.Span.ToArray());
        Assert.All(optimizer.Slots[2], slot => Assert.Empty(slot));
    }

    [Fact]
    public void Bad_hyperparameters_are_refused_with_their_values()
    {
        Assert.Contains("axis=1", Assert.Throws<ArgumentException>(() => new BatchNormalization(axis: 1)).Message);
        Assert.Contains("epsilon=0", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNormalization(epsilon: 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNormalization(momentum: 1.5f));
    }
}
