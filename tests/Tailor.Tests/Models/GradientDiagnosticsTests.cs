using Tailor.Kernels;
using Tailor.Layers.Core;
using Tailor.Layers.Normalization;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Tensors;

namespace Tailor.Tests.Models;

public class GradientDiagnosticsTests
{
    private static Sequential Model(ulong seed = 2) => new(
    [
        new Flatten(),
        new Dense(6, Activation.Sigmoid),
        new BatchNormalization(),
        new Dense(3, Activation.Softmax),
    ], seed: seed);

    [Fact]
    public void Records_once_per_epoch_by_default_and_every_k_batches_when_asked()
    {
        var (x, y, _) = SyntheticData.Images(40, 6, 6, 3, seed: 1);
        var perEpoch = new GradientDiagnostics();
        var everyThree = new GradientDiagnostics(everyBatches: 3);
        var model = Model();
        model.Compile("sgd", "categorical_crossentropy");
        model.Fit(x, y, epochs: 3, batchSize: 8, callbacks: [perEpoch, everyThree], verbose: 0);

        Assert.Equal([1.0, 2.0, 3.0], perEpoch.Progress());
        Assert.Equal(5, everyThree.Records.Count); // 15 batches
        Assert.Equal(0.6, everyThree.Progress()[0], 12);
        Assert.Equal(["flatten", "dense", "batch_normalization", "dense_1"], perEpoch.Records[0].Layers.Select(l => l.Layer));
        Assert.True(double.IsNaN(perEpoch.Records[0].Layers[0].GradientNorm), "Flatten has no weights");
        Assert.True(double.IsNaN(perEpoch.Records[0].Layers[0].ActivationMean), "no probe, no activation statistics");
    }

    [Fact]
    public void Figures_are_the_gradient_before_the_step_and_the_weights_and_activations_after_it()
    {
        var (x, y, _) = SyntheticData.Images(16, 6, 6, 3, seed: 3);
        var probe = x.Slice(0, 5);

        // The same model and batch, by hand: the gradient before the step, the weights and activations after it.
        var twin = Model();
        twin.Compile(new Sgd(0.1f), new CategoricalCrossentropy());
        twin.ComputeGradients(x, y);
        double[] gradients = twin.Layers.Select(l => Math.Sqrt(l.Parameters.Where(p => p.Trainable).Sum(p => p.Gradient.Span.ToArray().Sum(g => (double)g * g)))).ToArray();
        twin.Optimizer!.Apply(twin.Parameters);
        var activations = twin.GetActivations(probe);

        var diagnostics = new GradientDiagnostics(probe);
        var model = Model();
        model.Compile(new Sgd(0.1f), new CategoricalCrossentropy());
        model.Fit(x, y, epochs: 1, batchSize: 16, shuffle: false, callbacks: [diagnostics], verbose: 0);

        var record = Assert.Single(diagnostics.Records);
        for (int i = 1; i < 4; i++)
        {
            var layer = record.Layers[i];
            Assert.Equal(gradients[i], layer.GradientNorm, 5);
            double weights = Math.Sqrt(model.Layers[i].Parameters.Where(p => p.Trainable).Sum(p => p.Value.Span.ToArray().Sum(w => (double)w * w)));
            Assert.Equal(weights, layer.WeightNorm, 5);
            var values = activations[i].Output.Span.ToArray();
            double mean = values.Average(v => (double)v);
            Assert.Equal(mean, layer.ActivationMean, 5);
            Assert.Equal(Math.Sqrt(values.Average(v => (v - mean) * (v - mean))), layer.ActivationStd, 5);
        }
    }

    [Fact]
    public void The_gradient_is_recorded_before_the_optimizer_clips_it()
    {
        var (x, y, _) = SyntheticData.Images(16, 6, 6, 3, seed: 3);
        var diagnostics = new GradientDiagnostics();
        var model = Model();
        model.Compile(new Sgd(0.1f) { ClipNorm = 1e-4f }, new CategoricalCrossentropy());
        model.Fit(x, y, epochs: 1, batchSize: 16, callbacks: [diagnostics], verbose: 0);
        Assert.True(diagnostics.Records[0].Layers[3].GradientNorm > 1e-3, $"{diagnostics.Records[0].Layers[3].GradientNorm}");
    }

    [Fact]
    public void A_probe_of_the_wrong_shape_is_refused_naming_both_shapes()
    {
        var (x, y, _) = SyntheticData.Images(8, 6, 6, 3, seed: 3);
        var model = Model();
        model.Compile("sgd", "categorical_crossentropy");
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, callbacks: [new GradientDiagnostics(new Tensor(2, 5, 5, 1))], verbose: 0));
        Assert.Contains("(2, 5, 5, 1)", e.Message);
        Assert.Contains("(None, 6, 6, 1)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientDiagnostics(everyBatches: -1));
    }
}
