using System.Diagnostics;
using Tailor.Data;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Studies;

namespace Tailor.Benchmarks;

/// <summary>One model's figures from <see cref="EpochBenchmark"/>.</summary>
public sealed record ModelBenchmark(string Model, int BatchSize, int TrainImages, double MedianEpochSeconds,
    double TrainingGflops, double InferenceImagesPerSecond);

/// <summary>
/// Median seconds per training epoch (with validation, as Fit runs it) of the notebook's models on the
/// peer's recipe: RMSprop, 8,000 training and 2,000 validation images, after a warm-up epoch.
/// </summary>
public static class EpochBenchmark
{
    public static ModelBenchmark Measure(FashionSample sample, NotebookModel kind, int epochs = 5, int? batchSize = null)
    {
        int batch = batchSize ?? kind.DefaultBatchSize();
        var model = NotebookModels.Create(kind, seed: 1);
        model.Compile(new RmsProp(), new CategoricalCrossentropy(), "accuracy");
        var x = TrainingRun.Inputs(sample.Train, kind);
        // No validation images: the epoch is training alone (the scaling table counts training images).
        (Tensors.Tensor, Tensors.Tensor)? validation = sample.Validation.Count == 0 ? null
            : (TrainingRun.Inputs(sample.Validation, kind), sample.Validation.OneHot);
        model.Fit(x, sample.Train.OneHot, epochs: 1, batchSize: batch, validationData: validation, verbose: 0);
        var history = model.Fit(x, sample.Train.OneHot, epochs: epochs, batchSize: batch, validationData: validation, verbose: 0, seed: 2);
        double median = Median(history.EpochSeconds);
        double flops = FlopCounter.TrainingPerSample(model) * sample.Train.Count + FlopCounter.ForwardPerSample(model) * sample.Validation.Count;

        var test = TrainingRun.Inputs(sample.Test, kind);
        double bestInference = double.MaxValue;
        for (int trial = 0; trial < 3; trial++)
        {
            long start = Stopwatch.GetTimestamp();
            model.Predict(test, batchSize: 256);
            bestInference = Math.Min(bestInference, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return new ModelBenchmark(kind.CliName(), batch, sample.Train.Count, median, flops / median / 1e9, sample.Test.Count / bestInference);
    }

    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
