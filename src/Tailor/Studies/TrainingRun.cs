using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tailor.Callbacks;
using Tailor.Common;
using Tailor.Data;
using Tailor.Models;
using Tailor.Tensors;
using Tailor.Visualization;

namespace Tailor.Studies;

/// <summary>One of the notebook's models trained on a sample, evaluated on its test images.</summary>
public sealed record TrainingRun(TrainingOptions Options, Sequential Model, History History, Evaluation Test, double Seconds)
{
    /// <summary>The early-stopping callback of the run, when <see cref="TrainingOptions.EarlyStoppingPatience"/> asked for one.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Augmented examples of training images (PNG), when the run augmented its batches.</summary>
    public byte[]? AugmentationPreview { get; init; }

    /// <summary>Trains with validation at each epoch, then evaluates on the test images.</summary>
    public static TrainingRun Train(FashionSample data, TrainingOptions options, IReadOnlyList<Callback>? callbacks = null, int verbose = 1)
    {
        options.Validate();
        var model = NotebookModels.Create(options.Model, options.Seed);
        var optimizer = options.CreateOptimizer();
        int stepsPerEpoch = (data.Train.Count + options.EffectiveBatchSize - 1) / options.EffectiveBatchSize;
        optimizer.Schedule = options.CreateSchedule(optimizer.LearningRate, stepsPerEpoch);
        model.Compile(optimizer, new Losses.CategoricalCrossentropy(), "accuracy");
        var all = new List<Callback>(callbacks ?? []);
        EarlyStopping? earlyStopping = null;
        if (options.EarlyStoppingPatience is int patience)
            all.Add(earlyStopping = new EarlyStopping("val_loss", patience: patience, restoreBestWeights: true));
        var augmentation = options.CreateAugmentation();
        byte[]? preview = augmentation == null ? null
            : AugmentationGrid.Render(data.Train.Images.Slice(0, Math.Min(6, data.Train.Count)), augmentation, variants: 7, seed: options.Seed);

        var clock = Stopwatch.StartNew();
        var history = model.Fit(Inputs(data.Train, options.Model), data.Train.OneHot, options.Epochs, options.EffectiveBatchSize,
            validationData: (Inputs(data.Validation, options.Model), data.Validation.OneHot),
            callbacks: all, seed: options.Seed + 1, verbose: verbose, augmentation: augmentation);
        clock.Stop();
        var test = model.Evaluate(Inputs(data.Test, options.Model), data.Test.OneHot, batchSize: 256);
        return new TrainingRun(options, model, history, test, clock.Elapsed.TotalSeconds) { EarlyStopping = earlyStopping, AugmentationPreview = preview };
    }

    /// <summary>The images as the model takes them: flat for the dense model (a view, no copy).</summary>
    public static Tensor Inputs(LabeledTensors set, NotebookModel model) =>
        model == NotebookModel.Dense ? set.Images.Reshape(set.Count, 784) : set.Images;

    public byte[] LossPlot() => TrainingCurves.Loss(History["loss"], History["val_loss"]);

    public byte[] AccuracyPlot() => TrainingCurves.Accuracy(History["accuracy"], History["val_accuracy"]);

    /// <summary>The files <see cref="WriteOutputs"/> writes.</summary>
    public IReadOnlyList<string> OutputFiles =>
        ["history.csv", "loss.png", "accuracy.png", "summary.txt", "metrics.json", .. AugmentationPreview == null ? Array.Empty<string>() : ["augmentation.png"]];

    /// <summary>Writes history.csv, loss.png, accuracy.png, summary.txt, metrics.json (and augmentation.png), each atomically.</summary>
    public void WriteOutputs(string directory)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, "history.csv"), History.ToCsv());
        PngFile.Save(LossPlot(), Path.Combine(directory, "loss.png"));
        PngFile.Save(AccuracyPlot(), Path.Combine(directory, "accuracy.png"));
        AtomicFile.WriteAllText(Path.Combine(directory, "summary.txt"), Model.Summary() + "\n");
        if (AugmentationPreview != null) PngFile.Save(AugmentationPreview, Path.Combine(directory, "augmentation.png"));
        AtomicFile.WriteAllText(Path.Combine(directory, "metrics.json"), MetricsJson());
    }

    public string MetricsJson() => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["model"] = Options.Model.CliName(),
        ["epochs"] = History.Epochs.Count,
        ["epochs_requested"] = Options.Epochs,
        ["batch_size"] = Options.EffectiveBatchSize,
        ["optimizer"] = Options.Optimizer,
        ["lr_schedule"] = Model.Optimizer?.Schedule?.GetConfig(),
        ["augment"] = Options.Augment == null ? null : Options.CreateAugmentation()!.ToString(),
        ["seed"] = Options.Seed,
        ["parameters"] = Model.ParameterCount,
        ["train_seconds"] = Math.Round(Seconds, 3),
        ["test_loss"] = Test.Loss,
        ["test_accuracy"] = Test.Accuracy,
        ["final_val_loss"] = History["val_loss"][^1],
        ["final_val_accuracy"] = History["val_accuracy"][^1],
        ["early_stopping"] = EarlyStopping == null ? null : new Dictionary<string, object?>
        {
            ["monitor"] = EarlyStopping.MonitorName,
            ["patience"] = EarlyStopping.Patience,
            ["stopped_epoch"] = EarlyStopping.StoppedEpoch == 0 ? null : EarlyStopping.StoppedEpoch,
            ["best_epoch"] = EarlyStopping.BestEpoch,
            ["best_value"] = EarlyStopping.BestValue,
            ["kept_weights_of_epoch"] = EarlyStopping.RestoredBestWeights ? EarlyStopping.BestEpoch : History.Epochs[^1],
        },
    }, new JsonSerializerOptions { WriteIndented = true }) + "\n";

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Options.Model.Title()}: {History.Epochs.Count} epochs in {Seconds:F1} s, test loss {Test.Loss:F4}, test accuracy {Test.Accuracy:F4}");
}
