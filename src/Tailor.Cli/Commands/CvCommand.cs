using System.CommandLine;
using System.Globalization;
using Tailor.Data;
using Tailor.Distribution;
using Tailor.Distribution.Mpi;
using Tailor.Models;
using Tailor.Studies;

namespace Tailor.Cli.Commands;

/// <summary>`tailor cv`: stratified k-fold cross-validation of one of the notebook's models on its 10,000 sampled training images.</summary>
internal static class CvCommand
{
    /// <summary>The folder inside --out that keeps the finished folds until the cross-validation has written its results.</summary>
    public const string FoldsFolder = "folds";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "dense, cnn or cnn-dropout.", DefaultValueFactory = _ => "cnn" };
        var folds = new Option<int>("--folds") { Description = "Number of folds (at most the images of the smallest class).", DefaultValueFactory = _ => 5 }
            .Within(CrossValidationOptions.FoldsRange);
        var epochs = new Option<int?>("--epochs") { Description = "Epochs per fold (default: the tutorial's kept epochs: 14 for cnn, 20 for cnn-dropout and dense)." }
            .Within(TrainingOptions.EpochsRange);
        var batchSize = new Option<int?>("--batch-size") { Description = "Samples per step (default: 128 for dense, 64 for the CNNs)." }
            .Within(TrainingOptions.BatchSizeRange);
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, rmsprop, adam or adamw.", DefaultValueFactory = _ => "rmsprop" };
        var learningRate = new Option<float?>("--learning-rate") { Description = "Learning rate (default: Keras's for the optimizer)." }
            .Within(TrainingOptions.LearningRateRange);
        var seed = CommonOptions.Seed();
        var sampleSeed = CommonOptions.SampleSeed();
        var output = CommonOptions.Out("out/cv");
        var command = new Command("cv", "Cross-validate a model on the notebook's 10,000 training images: per-fold accuracy and time, mean ± standard deviation, folds.csv, summary.json, curves and report.html.")
        {
            model, folds, epochs, batchSize, optimizer, learningRate, seed, sampleSeed, output,
        };
        command.SetAction(parsed =>
        {
            // A signal from here on stops the command at its next check, keeping what it has finished.
            var cancel = SignalCancellation.Observe();
            var options = new CrossValidationOptions
            {
                Model = TrainCommand.ParseModel(parsed.GetValue(model)!),
                Folds = parsed.GetValue(folds),
                Epochs = parsed.GetValue(epochs),
                BatchSize = parsed.GetValue(batchSize),
                Optimizer = parsed.GetValue(optimizer)!,
                LearningRate = parsed.GetValue(learningRate),
                Seed = parsed.GetValue(seed),
            };
            options.Validate();
            string outDir = parsed.GetValue(output)!;
            // Under mpiexec the folds are handed to the ranks as they become free; rank 0 alone writes and prints.
            using var mpi = MpiRanks.Start();
            return MpiRanks.Run(mpi, () =>
            {
            var scheduler = mpi is { Size: > 1 } ? new MpiUnitScheduler(mpi) : UnitScheduler.InProcess;
            var (dataset, location) = CommonOptions.LoadDataset(parsed);
            Console.WriteLine($"Data: {location}");
            var sample = FashionSample.Draw(dataset, FashionSampleOptions.Notebook with { Seed = parsed.GetValue(sampleSeed) });
            // All the sampled training images, the notebook's validation images included, in sampled order.
            var data = LabeledTensors.Concat(sample.Validation, sample.Train);
            CrossValidation.Split(data, options); // the --folds limit, before any training
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv,
                $"{options.Folds}-fold cross-validation of the {options.Model.Title().ToLowerInvariant()} on {data.Count:N0} images, " +
                $"{options.EffectiveEpochs} epochs per fold; each fold's model is also scored on the {sample.Test.Count:N0} test images. ") +
                (scheduler.Workers > 1 ? $"Folds are handed to {scheduler.Workers} MPI ranks as they become free." : "Folds run one after another, each on all cores."));
            // Finished folds are kept in OUT/folds as they end; the same command run again resumes from them.
            var progress = scheduler.IsCoordinator ? CrossValidation.Progress(Path.Combine(outDir, FoldsFolder), options, data, sample.Test) : null;
            if (progress?.Finished.Count > 0)
                Console.WriteLine($"Resuming: {progress.Finished.Count} finished folds are kept in {progress.Directory}.");
            // Per-epoch lines name the fold that ends next; with folds on several ranks at once that is not the one training here.
            var epochLine = new EpochLine(options.EffectiveEpochs);
            var run = CrossValidation.Run(data, options, scheduler, sample.Test, fold =>
            {
                epochLine.Fold = fold.Fold + 1;
                Console.WriteLine(string.Create(inv,
                    $"Fold {fold.Fold}/{options.Folds}: validation accuracy {fold.ValidationAccuracy:F4} (loss {fold.ValidationLoss:F4}) on {fold.ValidationCount:N0} images, " +
                    $"test accuracy {fold.Test!.Accuracy:F4}, {fold.Seconds:F1} s"));
            }, callbacks: scheduler.Workers > 1 ? [] : [epochLine], progress: progress, cancellationToken: cancel);
            if (run is not { } result) return cancel.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Ok;
            Console.WriteLine($"Validation accuracy: {CrossValidationResult.MeanAndDeviation(result.MeanAccuracy, result.AccuracyStandardDeviation)} (mean ± standard deviation over {options.Folds} folds)");
            Console.WriteLine($"Test accuracy:       {CrossValidationResult.MeanAndDeviation(result.MeanTestAccuracy!.Value, result.TestAccuracyStandardDeviation!.Value)}");
            Console.WriteLine(string.Create(inv, $"Total training time: {result.TotalSeconds:F1} s"));
            result.WriteOutputs(outDir);
            // Every result is written: the folds have served their purpose.
            progress!.Delete();
            Console.WriteLine($"Wrote {string.Join(", ", CrossValidationResult.OutputFiles)} to {Path.GetFullPath(outDir)}");
            return ExitCodes.Ok;
            }, interruptionIsAgreed: true);
        });
        return command;
    }

    /// <summary>One short line per epoch, so a run of several minutes shows it is alive.</summary>
    private sealed class EpochLine(int epochs) : Callback
    {
        public int Fold { get; set; } = 1;

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  fold {Fold} epoch {epoch + 1}/{epochs}: loss {logs["loss"]:F4}, accuracy {logs["accuracy"]:F4}, val_loss {logs["val_loss"]:F4}, val_accuracy {logs["val_accuracy"]:F4}"));
    }
}
