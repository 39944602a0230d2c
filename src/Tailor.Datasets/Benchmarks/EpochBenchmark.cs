using System.Diagnostics;
using Tailor.Data;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Optimizers;
using Tailor.Studies;

namespace Tailor.Benchmarks;

/// <summary>One model's figures from <see cref="EpochBenchmark"/>: every measured epoch, and the FLOPs of one.</summary>
internal sealed record ModelBenchmark(string Model, int BatchSize, int TrainImages, IReadOnlyList<double> EpochSeconds,
    double EpochFlops, double InferenceImagesPerSecond, double WarmupEpochSeconds = double.NaN)
{
    public double MedianEpochSeconds => EpochBenchmark.Median(EpochSeconds);
    public double TrainingGflops => EpochFlops / MedianEpochSeconds / 1e9;

    /// <summary>Two measurements of the same model as one: all their epochs, and the faster inference.</summary>
    public ModelBenchmark Merge(ModelBenchmark other) =>
        this with { EpochSeconds = [.. EpochSeconds, .. other.EpochSeconds], InferenceImagesPerSecond = Math.Max(InferenceImagesPerSecond, other.InferenceImagesPerSecond) };
}

/// <summary>
/// Median seconds per training epoch (with validation, as Fit runs it) of the notebook's models on the
/// peer's recipe: RMSprop, 8,000 training and 2,000 validation images, after a warm-up epoch.
/// </summary>
internal static class EpochBenchmark
{
    /// <summary>The epochs the PyTorch peer trains each model for, and takes its median over.</summary>
    public static int PeerEpochs(NotebookModel kind) => kind switch
    {
        NotebookModel.Dense => 20,
        NotebookModel.Cnn => 14,
        NotebookModel.CnnDropout => 20,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "The peer does not train this model."),
    };

    /// <summary>
    /// With <paramref name="shards"/>, each batch is cut into that many shards computed on the kernels' threads, each
    /// thread a shard through its own replica of the model, as `tailor train --shards` runs them (the same bits on
    /// any number of threads); without, the whole batch goes through each layer's kernels on all the threads.
    /// </summary>
    public static ModelBenchmark Measure(FashionSample sample, NotebookModel kind, int epochs = 5, int? batchSize = null, int? shards = null)
    {
        int batch = batchSize ?? kind.DefaultBatchSize();
        var model = NotebookModels.Create(kind, seed: 1);
        model.Compile(new RmsProp(), new CategoricalCrossentropy(), "accuracy");
        var x = TrainingRun.Inputs(sample.Train, kind);
        // No validation images: the epoch is training alone (the scaling table counts training images).
        (Tensors.Tensor, Tensors.Tensor)? validation = sample.Validation.Count == 0 ? null
            : (TrainingRun.Inputs(sample.Validation, kind), sample.Validation.OneHot);
        var step = shards is int s ? new ShardedGradient(s, replicas: () => NotebookModels.Create(kind, seed: 1)) : null;
        History Fit(int count, ulong? seed) => step == null
            ? model.Fit(x, sample.Train.OneHot, epochs: count, batchSize: batch, validationData: validation, verbose: 0, seed: seed)
            : new Trainer(model) { GradientStep = step }.Fit(new TensorBatchSource(x, sample.Train.OneHot), new FitOptions
            {
                Epochs = count, BatchSize = batch, Verbose = 0, Seed = seed,
                Validation = validation is var (vx, vy) ? new TensorBatchSource(vx, vy) : null,
            });
        // The warm-up epoch is kept apart: it holds the JIT's work, which is what runtime settings change.
        var warmup = Fit(1, null);
        var history = Fit(epochs, 2);
        double flops = FlopCounter.TrainingPerSample(model) * sample.Train.Count + FlopCounter.ForwardPerSample(model) * sample.Validation.Count;

        var test = TrainingRun.Inputs(sample.Test, kind);
        double bestInference = double.MaxValue;
        for (int trial = 0; trial < 3; trial++)
        {
            long start = Stopwatch.GetTimestamp();
            model.Predict(test, batchSize: 256);
            bestInference = Math.Min(bestInference, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return new ModelBenchmark(kind.CliName(), batch, sample.Train.Count, history.EpochSeconds.ToArray(), flops, sample.Test.Count / bestInference, warmup.EpochSeconds[0]);
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
