using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Models;
using Tailor.Tests.Models;
using Tailor.Regularizers;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Losses;

public class RegularizerTests
{
    [Theory]
    [InlineData(0.01f, 0f)]
    [InlineData(0f, 0.02f)]
    [InlineData(0.003f, 0.05f)]
    public void Penalty_and_its_gradient_match_the_reference(float l1, float l2)
    {
        var regularizer = new Regularizer(l1, l2);
        var w = RandomData.Uniform(new Rng(4), 37);
        for (int i = 0; i < w.Length; i++) if (Math.Abs(w[i]) < 1e-3f) w[i] = 0.5f; // |w| has a kink at zero
        var wd = RandomData.ToDouble(w);
        double Reference() => wd.Sum(v => l1 * Math.Abs(v) + l2 * v * v);

        Assert.Equal(Reference(), regularizer.Penalty(w), 1e-5 * Math.Max(1, Reference()));
        var gradient = RandomData.Uniform(new Rng(5), w.Length);
        var before = RandomData.ToDouble(gradient);
        regularizer.AddGradient(w, gradient);
        var numeric = FiniteDifference.Gradient(Reference, wd);
        var added = gradient.Select((g, i) => (float)(g - before[i])).ToArray();
        var comparison = Comparison.Of("penalty gradient", added, numeric, 1e-4);
        Assert.True(comparison.Passed, comparison.ToString());
    }

    private static Sequential Model(Regularizer? kernel, Regularizer? bias = null)
    {
        var model = new Sequential(
        [
            new Conv2D(4, 3, activation: Activation.Relu, kernelRegularizer: kernel, biasRegularizer: bias),
            new Flatten(),
            new Dense(3, Activation.Softmax, kernelRegularizer: kernel, biasRegularizer: bias),
        ], seed: 7);
        model.Compile(new Tailor.Optimizers.Sgd(0.05f), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        model.Build(8, 8, 1);
        return model;
    }

    private static double Norm(Sequential model, string name) =>
        Math.Sqrt(model.Parameters.Where(p => p.Name == name).Sum(p => p.Value.Span.ToArray().Sum(v => (double)v * v)));

    [Fact]
    public void L2_shrinks_the_kernel_norm_against_the_same_run_without_it()
    {
        var (x, y, _) = SyntheticData.Images(96, 8, 8, 3, seed: 2);
        var plain = Model(null);
        var l2 = Model(Regularizer.L2Penalty(0.1f));
        Assert.Equal(Norm(plain, "kernel"), Norm(l2, "kernel"));
        plain.Fit(x, y, epochs: 8, batchSize: 16, seed: 3, verbose: 0);
        l2.Fit(x, y, epochs: 8, batchSize: 16, seed: 3, verbose: 0);
        Assert.True(Norm(l2, "kernel") < 0.9 * Norm(plain, "kernel"), $"L2 kernel norm {Norm(l2, "kernel"):F4}, without {Norm(plain, "kernel"):F4}");
    }

    [Fact]
    public void The_penalty_is_part_of_the_training_loss_and_its_gradient_part_of_the_weights_gradient()
    {
        var (x, y, _) = SyntheticData.Images(16, 8, 8, 3, seed: 2);
        var reg = new Regularizer(l1: 0.003f, l2: 0.02f);
        var plain = Model(null);
        var regularized = Model(reg, reg);
        float plainLoss = plain.ComputeGradients(x, y);
        float loss = regularized.ComputeGradients(x, y);
        double penalty = regularized.Parameters.Sum(p => (double)reg.Penalty(p.Value.Span));
        Assert.Equal(plainLoss + penalty, loss, 1e-5);
        for (int i = 0; i < plain.Parameters.Count; i++)
        {
            var expected = plain.Parameters[i].Gradient.Span.ToArray();
            reg.AddGradient(plain.Parameters[i].Value.Span, expected);
            Assert.Equal(expected, regularized.Parameters[i].Gradient.Span.ToArray());
        }
        // Keras counts the penalty in evaluate's loss too.
        Assert.Equal(plain.Evaluate(x, y).Loss + penalty, regularized.Evaluate(x, y).Loss, 1e-5);
    }

    [Fact]
    public void Layer_configs_carry_the_regularizers_in_Keras_form()
    {
        var dense = new Dense(4, kernelRegularizer: Regularizer.L2Penalty(0.01f), biasRegularizer: Regularizer.L1Penalty(0.02f));
        var kernel = (Dictionary<string, object?>)dense.GetConfig()["kernel_regularizer"]!;
        Assert.Equal("L2", kernel["class_name"]);
        Assert.Equal(new Dictionary<string, object?> { ["l2"] = 0.01f }, kernel["config"]);
        var bias = (Dictionary<string, object?>)dense.GetConfig()["bias_regularizer"]!;
        Assert.Equal("L1", bias["class_name"]);
        var conv = new Conv2D(2, 3, biasRegularizer: Regularizer.L1L2(0.1f, 0.2f));
        Assert.Null(conv.GetConfig()["kernel_regularizer"]);
        var both = (Dictionary<string, object?>)conv.GetConfig()["bias_regularizer"]!;
        Assert.Equal("L1L2", both["class_name"]);
        Assert.Equal(new Dictionary<string, object?> { ["l1"] = 0.1f, ["l2"] = 0.2f }, both["config"]);
        var model = Model(null, Regularizer.L2Penalty(0.5f));
        Assert.All(model.Parameters, p => Assert.Equal(p.Name == "bias", p.Regularizer != null));
    }
}
