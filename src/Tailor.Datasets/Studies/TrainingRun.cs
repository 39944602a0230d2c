using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tailor.Callbacks;
using Tailor.Common;
using Tailor.Data;
using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Serialization;
using Tailor.Tensors;
using Tailor.Visualization;

namespace Tailor.Studies;

/// <summary>One of the notebook's models trained on a sample, evaluated on its test images.</summary>
public sealed record TrainingRun(TrainingOptions Options, Model Model, History History, Evaluation Test, double Seconds)
{
    /// <summary>The early-stopping callback of the run, when <see cref="TrainingOptions.EarlyStoppingPatience"/> asked for one.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Augmented examples of training images (PNG), when the run augmented its batches.</summary>
    public byte[]? AugmentationPreview { get; init; }

    /// <summary>How the images were drawn; saved with the model so that evaluate and predict find the same test images.</summary>
    public FashionSampleOptions? Sample { get; init; }

    /// <summary>
    /// Trains with validation at each epoch, then evaluates on the test images. With
    /// <paramref name="checkpointing"/>, writes checkpoints as it goes, resumes from one when asked, and
    /// on <see cref="Model.RequestInterrupt"/> writes one and throws <see cref="TrainingInterruptedException"/>.
    /// </summary>
    public static TrainingRun Train(FashionSample data, TrainingOptions options, IReadOnlyList<Callback>? callbacks = null, int verbose = 1,
        Checkpointing? checkpointing = null) =>
        Train(data.Train, data.Validation, data.Test, data.Options, options, callbacks, verbose, checkpointing);

    /// <summary>
    /// Trains on any three sets of images with one-hot labels (image folders, for instance), shaped as
    /// <see cref="TrainingOptions.ImageShape"/> with <see cref="TrainingOptions.Classes"/> classes;
    /// <paramref name="sample"/> is saved with the model as the IDX sample whose test images it stands for.
    /// </summary>
    public static TrainingRun Train(LabeledTensors train, LabeledTensors validation, LabeledTensors testSet, FashionSampleOptions sample,
        TrainingOptions options, IReadOnlyList<Callback>? callbacks = null, int verbose = 1, Checkpointing? checkpointing = null) =>
        Train(Source(train, options.Model), Source(validation, options.Model), Source(testSet, options.Model), sample, options, callbacks, verbose, checkpointing);

    /// <summary>
    /// Trains on three sources of images shaped as the model takes them (<see cref="ModelInputShape"/>) with
    /// one-hot targets: image folders read from disk batch by batch, for instance. The same samples in
    /// memory give the same run, bit for bit.
    /// </summary>
    public static TrainingRun Train(BatchSource train, BatchSource validation, BatchSource testSet, FashionSampleOptions sample,
        TrainingOptions options, IReadOnlyList<Callback>? callbacks = null, int verbose = 1, Checkpointing? checkpointing = null,
        ShardTransport? transport = null)
    {
        options.Validate();
        Model model;
        TrainingState? resume = null;
        if (checkpointing?.ResumeFrom is { } checkpoint)
        {
            (model, resume) = (checkpoint.Model, checkpoint.State);
            if (resume.Epoch > options.Epochs)
                throw new ArgumentException($"--epochs is {options.Epochs}, but the checkpoint '{checkpoint.Path}' has already trained {resume.Epoch} epochs.");
            if (resume.IsMidEpoch && resume.Order.Length != train.Count)
                throw new ModelFormatException(checkpoint.Path,
                    $"its stored sample order covers {resume.Order.Length:N0} images, but the run resumes on {train.Count:N0}: it was written for other training data.");
        }
        else
        {
            model = NotebookModels.CreateModel(options.Model, options.ImageShape, options.Classes, options.Seed);
            model.Compile(options.CreateOptimizer(), options.CreateLoss(), "accuracy");
        }
        int stepsPerEpoch = (int)(((long)train.Count + options.EffectiveBatchSize - 1) / options.EffectiveBatchSize);
        // A schedule is a function of the step count, which the optimizer's state (and so a checkpoint) carries;
        // it starts from the configured rate, not the last scheduled one a checkpoint holds.
        model.Optimizer!.Schedule = options.CreateSchedule(options.CreateOptimizer().LearningRate, stepsPerEpoch);
        var extra = new Dictionary<string, string> { [Checkpointing.OptionsKey] = options.ToJson(sample) };
        var allCallbacks = (callbacks ?? []).ToList();
        EarlyStopping? earlyStopping = null;
        if (options.EarlyStoppingPatience is int patience)
            allCallbacks.Add(earlyStopping = new EarlyStopping("val_loss", patience: patience, restoreBestWeights: true));
        if (checkpointing is { Every: > 0 }) allCallbacks.Add(new CheckpointCallback(checkpointing, extra));
        var augmentation = options.CreateAugmentation();
        byte[]? preview = augmentation == null ? null : AugmentationGrid.Render(First(train, 6), augmentation, variants: 7, seed: options.Seed);

        var clock = Stopwatch.StartNew();
        // Shards run on the kernels' threads, each thread a shard through all the layers of its own replica.
        GradientStep step = (options.Shards ?? (transport == null ? null : (int?)1)) is int shards
            ? new ShardedGradient(shards, transport, () => NotebookModels.CreateModel(options.Model, options.ImageShape, options.Classes, options.Seed))
            : new WholeBatchGradient();
        var history = new Trainer(model) { GradientStep = step }.Fit(train, new FitOptions
        {
            Epochs = options.Epochs, BatchSize = options.EffectiveBatchSize, Validation = validation, Callbacks = allCallbacks,
            Seed = options.Seed + 1, Verbose = verbose, Resume = resume, Augmentation = augmentation,
        });
        clock.Stop();
        if (model.Interruption is { } stop)
        {
            // Every rank stopped at this step (they agreed in its exchange) and holds the same state: rank 0 writes it.
            if (transport is { Rank: > 0 })
                throw new TrainingInterruptedException($"Training was interrupted at epoch {stop.Epoch + 1}; rank 0 writes the checkpoint.", "");
            string directory = checkpointing?.Directory ?? throw new TrainingInterruptedException(
                $"Training was interrupted at epoch {stop.Epoch + 1}; no checkpoint folder was given, so nothing was kept.", "");
            string path = WriteCheckpoint(checkpointing!, model, stop, extra);
            string where = stop.Step > 0 ? $"epoch {stop.Epoch + 1}, after step {stop.Step}" : $"the end of epoch {stop.Epoch}";
            throw new TrainingInterruptedException(
                $"Training was interrupted at {where}; checkpoint written to {Path.GetFullPath(path)}. Resume with: tailor train --resume {directory}", path);
        }
        // On MPI ranks each evaluates its share of the batches: the same bits as one process, in less time.
        // Flip averaging scores the whole test set on every rank: twice the inference, the same bits everywhere.
        var test = options.FlipAverage ? model.EvaluateFlipAveraged(testSet, batchSize: 256)
            : transport == null ? model.Evaluate(testSet, batchSize: 256) : ShardedEvaluation.Evaluate(model, testSet, transport, batchSize: 256);
        return new TrainingRun(options, model, history, test, clock.Elapsed.TotalSeconds)
        {
            EarlyStopping = earlyStopping, AugmentationPreview = preview, Sample = sample,
        };
    }

    /// <summary>Writes a checkpoint after every n-th epoch.</summary>
    private sealed class CheckpointCallback(Checkpointing checkpointing, IReadOnlyDictionary<string, string> extra) : Callback
    {
        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
        {
            if ((epoch + 1) % checkpointing.Every == 0)
                WriteCheckpoint(checkpointing, Model!, Trainer!.CaptureState(), extra);
        }
    }

    /// <summary>
    /// Writes a checkpoint so that the folder then holds the latest <see cref="Checkpointing.Keep"/>: the older
    /// ones beyond Keep - 1 go before it is written (freeing their space for it); with Keep = 1 the previous one
    /// goes only once the new one is complete, so that a folder never loses its only checkpoint.
    /// </summary>
    private static string WriteCheckpoint(Checkpointing checkpointing, Model model, TrainingState state, IReadOnlyDictionary<string, string> extra)
    {
        if (checkpointing.Keep > 1) CheckpointFile.Prune(checkpointing.Directory, checkpointing.Keep - 1);
        string path = CheckpointFile.Write(checkpointing.Directory, model, state, extra);
        if (checkpointing.Keep == 1) CheckpointFile.Prune(checkpointing.Directory, 1);
        return path;
    }

    /// <summary>The images shaped as <paramref name="model"/> takes them (flat for a dense model), a view without copy.</summary>
    public static Tensor Inputs(LabeledTensors set, Model model)
    {
        int[] shape = [set.Count, .. model.InputShape];
        if (Tensor.SizeOf(shape.AsSpan(1)) != set.Images.ItemLength)
            throw new ArgumentException($"Model '{model.Name}' takes inputs of shape {Layers.Layer.FormatBatchShape(model.InputShape)}, which do not hold the {set.Images.ItemLength} pixels of an image.");
        return set.Images.Reshape(shape);
    }

    /// <summary>The per-sample input of <paramref name="options"/>'s model: its images, flat for the dense model.</summary>
    public static int[] ModelInputShape(TrainingOptions options) => options.Model.InputShape(options.ImageShape);

    /// <summary>A set in memory as the model takes it, for a Fit or an evaluation.</summary>
    internal static TensorBatchSource Source(LabeledTensors set, NotebookModel model) => new(Inputs(set, model), set.OneHot);

    /// <summary>The first <paramref name="count"/> samples of <paramref name="source"/> (fewer when it holds fewer), as a new tensor.</summary>
    private static Tensor First(BatchSource source, int count)
    {
        count = Math.Min(count, source.Count);
        int[] order = [.. Enumerable.Range(0, count)];
        var x = new Tensor([count, .. source.InputShape]);
        source.Gather(order, 0, count, x, new Tensor([count, .. source.TargetShape]));
        return x;
    }

    /// <summary>The images as the model takes them: flat for the dense model (a view, no copy).</summary>
    public static Tensor Inputs(LabeledTensors set, NotebookModel model) =>
        model == NotebookModel.Dense ? set.Images.Reshape(set.Count, set.Images.ItemLength) : set.Images;

    public byte[] LossPlot() => TrainingCurves.Loss(History["loss"], History["val_loss"]);

    public byte[] AccuracyPlot() => TrainingCurves.Accuracy(History["accuracy"], History["val_accuracy"]);

    /// <summary>The trained model's file in the output folder.</summary>
    public const string ModelFileName = "model.safetensors";

    /// <summary>Every file <see cref="WriteOutputs"/> may write, whatever the options.</summary>
    public static IReadOnlyList<string> AllOutputFiles { get; } = ["history.csv", "loss.png", "accuracy.png", "summary.txt", "metrics.json", ModelFileName, AugmentationFileName];

    private const string AugmentationFileName = "augmentation.png";

    /// <summary>The files <see cref="WriteOutputs"/> writes.</summary>
    public IReadOnlyList<string> OutputFiles =>
        [.. AllOutputFiles.Where(name => name != AugmentationFileName || AugmentationPreview != null)];

    /// <summary>Writes history.csv, loss.png, accuracy.png, summary.txt, metrics.json, model.safetensors (and augmentation.png), each atomically.</summary>
    public void WriteOutputs(string directory)
    {
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, "history.csv"), History.ToCsv());
        PngFile.Save(LossPlot(), Path.Combine(directory, "loss.png"));
        PngFile.Save(AccuracyPlot(), Path.Combine(directory, "accuracy.png"));
        AtomicFile.WriteAllText(Path.Combine(directory, "summary.txt"), Model.Summary() + "\n");
        if (AugmentationPreview != null) PngFile.Save(AugmentationPreview, Path.Combine(directory, "augmentation.png"));
        AtomicFile.WriteAllText(Path.Combine(directory, "metrics.json"), MetricsJson());
        var extra = Sample == null ? null : new Dictionary<string, string> { [Checkpointing.OptionsKey] = Options.ToJson(Sample) };
        ModelFile.Save(Model, Path.Combine(directory, ModelFileName), includeOptimizer: true, extra);
    }

    public string MetricsJson()
    {
        var metrics = new Dictionary<string, object?>
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
        };
        // Only when given, so that the metrics of runs without them stay as they were.
        if (Options.Momentum is float momentum) metrics["momentum"] = momentum;
        if (Options.Nesterov) metrics["nesterov"] = true;
        if (Options.LabelSmoothing is float smoothing) metrics["label_smoothing"] = smoothing;
        if (Options.FlipAverage) metrics["test_flip_averaged"] = true;
        // Only for image folders, so that the metrics of Fashion-MNIST runs stay as they were.
        if (Options.Images is { } images)
        {
            metrics["input"] = images.Describe();
            metrics["classes"] = images.ClassNames;
        }
        return JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Options.Model.Title()}: {History.Epochs.Count} epochs in {Seconds:F1} s, test loss {Test.Loss:F4}, test accuracy {Test.Accuracy:F4}{(Options.FlipAverage ? " (flip-averaged)" : "")}");
}
