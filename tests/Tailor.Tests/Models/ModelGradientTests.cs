using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Regularizers;
using Tailor.Tensors;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Models;

/// <summary>
/// A whole small CNN through Sequential.ComputeGradients (the loss fused with the output activation
/// or not, a regularizer, the first layer computing no input gradient) against float64 finite
/// differences of the composed double references.
/// </summary>
public class ModelGradientTests
{
    private const int Batch = 4, Height = 7, Width = 7, Channels = 2, Classes = 3;

    public static TheoryData<Activation, string> Heads() => new()
    {
        { Activation.Softmax, "categorical_crossentropy" },
        { Activation.Softmax, "sparse_categorical_crossentropy" },
        { Activation.Sigmoid, "binary_crossentropy" },
        { Activation.Softmax, "mean_squared_error" },
        { Activation.Linear, "mean_squared_error" },
        { Activation.Sigmoid, "categorical_crossentropy" },
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void Loss_and_every_parameter_gradient_match_finite_differences(Activation head, string lossName)
    {
        const float l2 = 0.01f;
        var model = new Sequential(
        [
            new Conv2D(3, (3, 3), (2, 2), Padding.Same, Activation.Relu),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(4, Activation.Tanh, kernelRegularizer: Regularizer.L2Penalty(l2)),
            new Dense(Classes, head),
        ], seed: 1);
        var loss = Loss.Parse(lossName);
        model.Compile(new Sgd(), loss);
        model.Build(Height, Width, Channels);
        var rng = new Rng(2);
        foreach (var p in model.Parameters) RandomData.Uniform(rng, p.Value.Length, -0.5f, 0.5f).CopyTo(p.Value.Span);

        var x = RandomData.Uniform(rng, Batch * Height * Width * Channels);
        int[] labels = Enumerable.Range(0, Batch).Select(_ => rng.NextInt(Classes)).ToArray();
        float[] y = lossName switch
        {
            "sparse_categorical_crossentropy" => labels.Select(l => (float)l).ToArray(),
            "mean_squared_error" => RandomData.Uniform(rng, Batch * Classes),
            _ => Enumerable.Range(0, Batch * Classes).Select(i => i % Classes == labels[i / Classes] ? 1f : 0f).ToArray(),
        };
        var yd = RandomData.ToDouble(y);

        float value = model.ComputeGradients(new Tensor(x, Batch, Height, Width, Channels),
            lossName == "sparse_categorical_crossentropy" ? new Tensor(y, Batch) : new Tensor(y, Batch, Classes));

        var xd = RandomData.ToDouble(x);
        var pd = model.Parameters.Select(p => RandomData.ToDouble(p.Value.Span)).ToArray();
        double Reference()
        {
            var conv = LayerReference.Conv2D(xd, Batch, Height, Width, Channels, pd[0], pd[1], 3, 3, 3, 2, 2, Padding.Same, Activation.Relu);
            var pool = LayerReference.MaxPooling2D(conv.Values, Batch, 4, 4, 3, 2, 2, 2, 2, Padding.Valid);
            var hidden = LayerReference.Dense(pool.Values, Batch, pd[2], pd[3], 4, Activation.Tanh);
            var output = LayerReference.Dense(hidden.Values, Batch, pd[4], pd[5], Classes, head).Values;
            double penalty = l2 * pd[2].Sum(w => w * w);
            return penalty + lossName switch
            {
                "categorical_crossentropy" => LossReference.CategoricalCrossentropy(output, yd, Batch),
                "sparse_categorical_crossentropy" => LossReference.SparseCategoricalCrossentropy(output, labels, Batch),
                "binary_crossentropy" => LossReference.BinaryCrossentropy(output, yd),
                _ => LossReference.MeanSquaredError(output, yd),
            };
        }

        double expected = Reference();
        Assert.True(Math.Abs(value - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"loss {value:R}, expected {expected:R}");
        string[] owners = ["conv2d", "conv2d", "dense", "dense", "dense_1", "dense_1"];
        for (int i = 0; i < pd.Length; i++)
        {
            var p = model.Parameters[i];
            var comparison = Comparison.Of($"{owners[i]} {p.Name} gradient", p.Gradient.Span,
                FiniteDifference.Gradient(Reference, pd[i]), LayerGradientCheck.GradientTolerance);
            Assert.True(comparison.Passed, comparison.ToString());
        }
    }
}
