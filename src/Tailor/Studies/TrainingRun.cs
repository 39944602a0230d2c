using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tailor.Common;
using Tailor.Data;
using Tailor.Models;
using Tailor.Tensors;
using Tailor.Visualization;

namespace Tailor.Studies;

/// <summary>One of the notebook's models trained on a sample, evaluated on its test images.</summary>
public sealed record TrainingRun(TrainingOptions Options, Sequential Model, History History, Evaluation Test, double Seconds)
{
    /// <summary>Trains with validation at each epoch, then evaluates on the test images.</summary>
    public static TrainingRun Train(FashionSample data, TrainingOptions options, IReadOnlyList<Callback>? callbacks = null, int verbose = 1) =>
        Train(data.Train, data.Validation, data.Test, options, callbacks, verbose);

    /// <summary>Trains on any three sets of 28x28x1 images with one-hot labels (image folders, for instance).</summary>
    public static TrainingRun Train(LabeledTensors train, LabeledTensors validation, LabeledTensors testSet, TrainingOptions options,
        IReadOnlyList<Callback>? callbacks = null, int verbose = 1)
    {
        options.Validate();
        var model = NotebookModels.Create(options.Model, options.Seed);
        model.Compile(options.CreateOptimizer(), new Losses.CategoricalCrossentropy(), "accuracy");
        var clock = Stopwatch.StartNew();
        var history = model.Fit(Inputs(train, options.Model), train.OneHot, options.Epochs, options.EffectiveBatchSize,
            validationData: (Inputs(validation, options.Model), validation.OneHot),
            callbacks: callbacks, seed: options.Seed + 1, verbose: verbose);
        clock.Stop();
        var test = model.Evaluate(Inputs(testSet, options.Model), testSet.OneHot, batchSize: 256);
        return new TrainingRun(options, model, history, test, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The images as the model takes them: flat for the dense model (a view, no copy).</summary>
    public static Tensor Inputs(LabeledTensors set, NotebookModel model) =>
        model == NotebookModel.Dense ? set.Images.Reshape(set.Count, 784) : set.Images;

    public byte[] LossPlot() => TrainingCurves.Loss(History["loss"], History["val_loss"]);

    public byte[] AccuracyPlot() => TrainingCurves.Accuracy(History["accuracy"], History["val_accuracy"]);

    /// <summary>Writes history.csv, loss.png, accuracy.png, summary.txt and metrics.json, each atomically.</summary>
    public void WriteOutputs(string directory)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, "history.csv"), History.ToCsv());
        PngFile.Save(LossPlot(), Path.Combine(directory, "loss.png"));
        PngFile.Save(AccuracyPlot(), Path.Combine(directory, "accuracy.png"));
        AtomicFile.WriteAllText(Path.Combine(directory, "summary.txt"), Model.Summary() + "\n");
        AtomicFile.WriteAllText(Path.Combine(directory, "metrics.json"), MetricsJson());
    }

    public string MetricsJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["model"] = Options.Model.CliName(),
        ["epochs"] = History.Epochs.Count,
        ["batch_size"] = Options.EffectiveBatchSize,
        ["optimizer"] = Options.Optimizer,
        ["seed"] = Options.Seed,
        ["parameters"] = Model.ParameterCount,
        ["train_seconds"] = Math.Round(Seconds, 3),
        ["test_loss"] = Test.Loss,
        ["test_accuracy"] = Test.Accuracy,
        ["final_val_loss"] = History["val_loss"][^1],
        ["final_val_accuracy"] = History["val_accuracy"][^1],
    }, new JsonSerializerOptions { WriteIndented = true }) + "\n";

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Options.Model.Title()}: {History.Epochs.Count} epochs in {Seconds:F1} s, test loss {Test.Loss:F4}, test accuracy {Test.Accuracy:F4}");
}
