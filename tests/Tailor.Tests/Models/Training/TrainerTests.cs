using Tailor.Metrics;
using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Optimizers;
using Tailor.Serialization;
using Tailor.Tensors;
using Tailor.Tests.Data;
using Tailor.Tests.Serialization;
using Tailor.Tests.Callbacks;

namespace Tailor.Tests.Models.Training;

/// <summary>
/// The Trainer seam: Fit runs a Trainer; a program can replace how a batch's gradient is computed and
/// combined, override the train step, bring its own batch source, hear progress, and resume from one state.
/// </summary>
public sealed class TrainerTests
{
    /// <summary>A small CNN with dropout, so that the layers' random streams matter to every check.</summary>
    private static Sequential Model()
    {
        var model = ModelFileTests.MixedModel();
        model.Compile(new Adam(0.005f), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        return model;
    }

    private static (Tensor X, Tensor Y) Data(int count, ulong seed) => ModelFileTests.SyntheticImages(count, seed);

    private static float[][] Weights(Model model) => model.GetWeights();

    private static void AssertSameRun(History expected, History actual)
    {
        Assert.Equal(expected.Epochs, actual.Epochs);
        Assert.Equal(expected.Values.Keys.Order(), actual.Values.Keys.Order());
        foreach (string key in expected.Values.Keys) Assert.Equal(expected[key], actual[key]);
    }

    [Fact]
    public void A_trainer_of_its_own_gives_the_bits_of_fit()
    {
        var (x, y) = Data(37, 1);
        var (vx, vy) = Data(9, 2);
        var viaFit = Model();
        var expected = viaFit.Fit(x, y, epochs: 3, batchSize: 8, validationData: (vx, vy), verbose: 0, seed: 4);

        var model = Model();
        var actual = new Trainer(model).Fit(new TensorBatchSource(x, y),
            new FitOptions { Epochs = 3, BatchSize = 8, Validation = new TensorBatchSource(vx, vy), Verbose = 0, Seed = 4 });

        AssertSameRun(expected, actual);
        Assert.Equal(Weights(viaFit), Weights(model));
        Assert.Equal(["accuracy", "loss", "val_accuracy", "val_loss"], actual.Values.Keys.Order());
    }

    /// <summary>
    /// The data-parallel shape of a gradient step: the batch cut into two shards, each one's gradient
    /// computed on its own, combined by their sizes. It is the mean of the same per-sample gradients,
    /// summed in another order, so it equals the whole batch's within rounding.
    /// </summary>
    private sealed class TwoShards : GradientStep
    {
        public int Batches { get; private set; }

        public override float Compute(Model model, Tensor x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics)
        {
            Batches++;
            int n = x.Dim(0), first = (n + 1) / 2;
            if (n < 2) return model.ComputeGradients(x, y, metrics);
            var parameters = model.Parameters;
            float firstLoss = model.ComputeGradients(x.Slice(0, first).Clone(), y.Slice(0, first).Clone(), metrics);
            var partial = parameters.Select(p => p.Gradient.Span.ToArray()).ToArray();
            float secondLoss = model.ComputeGradients(x.Slice(first, n - first).Clone(), y.Slice(first, n - first).Clone(), metrics);
            float a = (float)first / n, b = (float)(n - first) / n;
            for (int i = 0; i < parameters.Count; i++)
            {
                var gradient = parameters[i].Gradient.Span;
                for (int j = 0; j < gradient.Length; j++) gradient[j] = a * partial[i][j] + b * gradient[j];
            }
            return a * firstLoss + b * secondLoss;
        }
    }

    [Fact]
    public void A_gradient_step_that_combines_shards_replaces_the_whole_batch_without_another_loop()
    {
        // Without dropout: each shard would draw its own masks, which is the sharded design's business, not this check's.
        var (x, y) = Data(40, 3);
        var whole = ModelFileTests.MixedModel(dropout: false);
        whole.Compile(new Sgd(0.05f), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        var expected = whole.Fit(x, y, epochs: 2, batchSize: 10, verbose: 0, seed: 5);

        var sharded = ModelFileTests.MixedModel(dropout: false);
        sharded.Compile(new Sgd(0.05f), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        var step = new TwoShards();
        var actual = new Trainer(sharded) { GradientStep = step }.Fit(new TensorBatchSource(x, y), new FitOptions { Epochs = 2, BatchSize = 10, Verbose = 0, Seed = 5 });

        Assert.Equal(8, step.Batches);
        Assert.Equal(expected["accuracy"], actual["accuracy"]);  // the shards together judge every sample once
        for (int e = 0; e < 2; e++) Assert.Equal(expected["loss"][e], actual["loss"][e], 5);
        var (w, s) = (Weights(whole), Weights(sharded));
        for (int i = 0; i < w.Length; i++)
            for (int j = 0; j < w[i].Length; j++) Assert.Equal(w[i][j], s[i][j], 4);
    }

    /// <summary>Keras's overridable train_step: this one computes the gradient but never applies it.</summary>
    private sealed class FrozenTrainer(Sequential model) : Trainer(model)
    {
        public int Steps { get; private set; }

        protected override float TrainStep(Tensor x, Tensor y, int epoch, int step)
        {
            Steps++;
            return GradientStep.Compute(Model, x, y, BatchWeights, Metrics);
        }
    }

    [Fact]
    public void An_overridden_train_step_runs_in_the_same_loop()
    {
        var (x, y) = Data(20, 4);
        var model = Model();
        model.Build(x.Shape[1..].ToArray());
        var before = Weights(model);
        var trainer = new FrozenTrainer(model);

        var history = trainer.Fit(new TensorBatchSource(x, y), new FitOptions { Epochs = 2, BatchSize = 8, Verbose = 0 });

        Assert.Equal(6, trainer.Steps);
        Assert.Equal(before, Weights(model));
        Assert.Equal(2, history["loss"].Count);
        Assert.All(history["loss"], l => Assert.True(l > 0));
    }

    /// <summary>A source of the user's own: samples made on request, never held as one tensor.</summary>
    private sealed class GeneratedSource(Tensor x, Tensor y) : BatchSource
    {
        public override int Count => x.Dim(0);
        public override int[] InputShape { get; } = x.Shape[1..].ToArray();
        public override int[] TargetShape { get; } = y.Shape[1..].ToArray();

        public override void Gather(int[] order, int start, int count, Tensor xb, Tensor yb)
        {
            int xi = x.ItemLength, yi = y.ItemLength;
            for (int i = 0; i < count; i++)
            {
                x.Span.Slice(order[start + i] * xi, xi).CopyTo(xb.Span.Slice(i * xi, xi));
                y.Span.Slice(order[start + i] * yi, yi).CopyTo(yb.Span.Slice(i * yi, yi));
            }
        }
    }

    [Fact]
    public void A_source_of_ones_own_draws_the_same_batches_as_tensors()
    {
        var (x, y) = Data(30, 5);
        var (vx, vy) = Data(7, 6);
        var fromTensors = Model();
        var expected = fromTensors.Fit(x, y, epochs: 2, batchSize: 8, validationData: (vx, vy), verbose: 0, seed: 7);

        var model = Model();
        var actual = new Trainer(model).Fit(new GeneratedSource(x, y),
            new FitOptions { Epochs = 2, BatchSize = 8, Validation = new GeneratedSource(vx, vy), Verbose = 0, Seed = 7 });

        AssertSameRun(expected, actual);
        Assert.Equal(Weights(fromTensors), Weights(model));
    }

    [Fact]
    public void A_source_the_model_does_not_take_is_refused_before_training()
    {
        var (x, y) = Data(10, 8);
        var model = Model();
        model.Build(x.Shape[1..].ToArray());
        var wrongTargets = new Tensor(10, 4);

        var error = Assert.Throws<ArgumentException>(() => new Trainer(model).Fit(new TensorBatchSource(x, wrongTargets), new FitOptions { Verbose = 0 }));

        Assert.Contains("received y of shape (10, 4)", error.Message);
    }

    /// <summary>Collects every report, synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class Reports : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> All { get; } = [];
        public void Report(TrainingProgress value) => All.Add(value);
    }

    [Fact]
    public void Progress_hears_every_batch_and_every_epoch_with_the_history_values()
    {
        var (x, y) = Data(20, 9);
        var (vx, vy) = Data(5, 10);
        var reports = new Reports();

        var history = Model().Fit(x, y, epochs: 2, batchSize: 8, validationData: (vx, vy), verbose: 0, progress: reports);

        var batches = reports.All.Where(r => !r.IsEpochEnd).ToList();
        var epochs = reports.All.Where(r => r.IsEpochEnd).ToList();
        Assert.Equal([(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)], batches.Select(r => (r.Epoch, r.Step)));
        Assert.All(reports.All, r => Assert.Equal((2, 3), (r.Epochs, r.Steps)));
        Assert.Equal([0, 1], epochs.Select(r => r.Epoch));
        for (int e = 0; e < 2; e++)
        {
            Assert.Equal(history["val_accuracy"][e], epochs[e].EpochLogs!["val_accuracy"]);
            Assert.Equal(history["loss"][e], epochs[e].Loss);
        }
    }

    [Fact]
    public void The_interruption_state_resumes_the_run_in_memory_to_the_same_bits()
    {
        var (x, y) = Data(37, 11);
        var (vx, vy) = Data(9, 12);
        var reference = Model();
        var expected = reference.Fit(x, y, epochs: 3, batchSize: 8, validationData: (vx, vy), verbose: 0, seed: 13);

        var model = Model();
        model.Fit(x, y, epochs: 3, batchSize: 8, validationData: (vx, vy), verbose: 0, seed: 13, callbacks: [new InterruptAt(1, 1)]);
        var state = model.Interruption!;
        Assert.Equal((1, 2, true), (state.Epoch, state.Step, state.IsMidEpoch));
        Assert.Equal(2, state.Metrics["accuracy"].Length);
        var actual = model.Fit(x, y, epochs: 3, batchSize: 8, validationData: (vx, vy), verbose: 0, resume: state);

        AssertSameRun(expected, actual);
        Assert.Equal(Weights(reference), Weights(model));
    }

    [Fact]
    public void A_state_from_other_data_or_another_epoch_is_refused()
    {
        var (x, y) = Data(37, 14);
        var model = Model();
        model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, callbacks: [new InterruptAt(1, 1)]);
        var state = model.Interruption!;
        var (fewer, fewerY) = Data(20, 15);

        Assert.Contains("does not fit this Fit", Assert.Throws<ArgumentException>(() => model.Fit(fewer, fewerY, epochs: 3, batchSize: 8, verbose: 0, resume: state)).Message);
        Assert.Contains("give one or the other", Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, initialEpoch: 2, resume: state)).Message);
    }

    [Fact]
    public void An_epoch_end_state_from_a_callback_checkpoints_the_run_at_the_next_epoch()
    {
        var (x, y) = Data(24, 16);
        var reference = Model();
        var expected = reference.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, seed: 17);
        using var folder = new TempDirectory();

        Model().Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, seed: 17, callbacks: [new CheckpointAtEpochEnd(folder.Path, 0)]);
        var checkpoint = CheckpointFile.ReadLatest(folder.Path);
        Assert.Equal((1, 0, false), (checkpoint.State.Epoch, checkpoint.State.Step, checkpoint.State.IsMidEpoch));
        var actual = checkpoint.Model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, resume: checkpoint.State);

        Assert.Equal(expected["loss"], actual["loss"]);
        Assert.Equal(expected["accuracy"], actual["accuracy"]);
        Assert.Equal(Weights(reference), Weights(checkpoint.Model));
    }

    private sealed class CheckpointAtEpochEnd(string folder, int epoch) : Callback
    {
        public override void OnEpochEnd(int e, IReadOnlyDictionary<string, double> logs)
        {
            if (e == epoch) CheckpointFile.Write(folder, Model!, Trainer!.CaptureState());
        }
    }
}
