using System.CommandLine;
using System.Globalization;
using Tailor.Common;
using Tailor.Data;
using Tailor.Distribution;
using Tailor.Distribution.Mpi;
using Tailor.Studies;
using Tailor.Studies.Tuning;

namespace Tailor.Cli.Commands;

/// <summary>`tailor tune`: hyperparameter search over a space.json on the notebook's sample, then the best configuration on the full training set.</summary>
internal static class TuneCommand
{
    /// <summary>The folder inside --out that keeps the finished trials until the search has written its results.</summary>
    public const string TrialsFolder = "trials";

    public static Command Create()
    {
        var space = new Option<string>("--space") { Description = "Search space JSON file (see samples/space.json).", Required = true }
            .AsInput("the search space given as --space");
        var trials = new Option<int?>("--trials") { Description = "Trial budget (default: 12 for random search, the whole grid for grid search)." }
            .Within(TuningOptions.TrialsRange);
        var strategy = new Option<string>("--strategy") { Description = "random or grid.", DefaultValueFactory = _ => "random" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per trial.", DefaultValueFactory = _ => 6 }.Within(TrainingOptions.EpochsRange);
        var finalEpochs = new Option<int>("--final-epochs") { Description = "Epochs of the best configuration on the full training set.", DefaultValueFactory = _ => 10 }
            .Within(TrainingOptions.EpochsRange);
        var noFinal = new Option<bool>("--no-final") { Description = "Skip the final training on the full training set." };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "Do not train the notebook's CNN with dropout as the baseline." };
        var seed = CommonOptions.Seed();
        var sampleSeed = CommonOptions.SampleSeed();
        var output = CommonOptions.Out("out/tune");
        var command = new Command("tune", "Search hyperparameters on the notebook's sample (8,000 train / 2,000 validation); write results.csv, summary.json and report.html; train the best on the full set.")
        {
            space, trials, strategy, epochs, finalEpochs, noFinal, noBaseline, seed, sampleSeed, output,
        };
        command.SetAction(parsed =>
        {
            // A signal from here on stops the command at its next check, keeping what it has finished.
            var cancel = SignalCancellation.Observe();
            var options = new TuningOptions
            {
                Strategy = SearchStrategies.Parse(parsed.GetValue(strategy)!),
                Trials = parsed.GetValue(trials),
                Epochs = parsed.GetValue(epochs),
                FinalEpochs = parsed.GetValue(finalEpochs),
                Final = !parsed.GetValue(noFinal),
                Baseline = !parsed.GetValue(noBaseline),
                Seed = parsed.GetValue(seed),
            };
            options.Validate();
            var searchSpace = SearchSpace.Load(parsed.GetValue(space)!);
            var plan = SearchStrategies.Plan(searchSpace, options.Strategy, options.Trials, options.Seed);
            string outDir = parsed.GetValue(output)!;
            // Under mpiexec the trials are handed to the ranks as they become free; rank 0 alone writes and prints.
            using var mpi = MpiRanks.Start();
            return MpiRanks.Run(mpi, () =>
            {
            var scheduler = mpi is { Size: > 1 } ? new MpiUnitScheduler(mpi) : UnitScheduler.InProcess;
            var (dataset, location) = CommonOptions.LoadDataset(parsed);
            Console.WriteLine($"Data: {location}");
            var sample = FashionSample.Draw(dataset, FashionSampleOptions.Notebook with { Seed = parsed.GetValue(sampleSeed) });
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv,
                $"{options.Strategy.ToString().ToLowerInvariant()} search: {plan.Count} trials of {options.Epochs} epochs on {sample.Train.Count:N0} images, validated on {sample.Validation.Count:N0}") +
                (scheduler.Workers > 1 ? $", handed to {scheduler.Workers} MPI ranks as they become free." : "."));
            // Finished trials are kept in OUT/trials as they end; the same command run again resumes from them.
            var progress = scheduler.IsCoordinator ? Tuner.Progress(Path.Combine(outDir, TrialsFolder), searchSpace, options, sample.Train, sample.Validation) : null;
            if (progress?.Finished.Count > 0)
                Console.WriteLine($"Resuming: {progress.Finished.Count} finished trials are kept in {progress.Directory}.");
            var searched = Tuner.Search(searchSpace, options, sample.Train, sample.Validation, scheduler, (trial, count) =>
            {
                string score = trial.Failure is null
                    ? string.Create(inv, $"best validation accuracy {trial.BestValidationAccuracy:F4} at epoch {trial.BestEpoch}")
                    : $"diverged: {trial.Failure}";
                string name = trial.Number == 0 ? "Baseline (notebook CNN with dropout)" : $"Trial {trial.Number}/{count}";
                Console.WriteLine(string.Create(inv, $"{name}: {trial.Config.Describe()}: {score} ({trial.Seconds:F1} s)"));
            }, progress, cancel);
            // The other ranks are done: the final training is rank 0's alone, as in one process.
            if (searched is not { } result) return cancel.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Ok;
            result.WriteOutputs(outDir);
            var best = result.Best;
            Console.WriteLine($"Best: trial {best.Number}, {best.Config.Describe()}: {best.BestValidationAccuracy.ToString("F4", inv)}");
            if (result.Baseline is { Failure: null } baseline)
                Console.WriteLine(string.Create(inv,
                    $"Baseline: {baseline.BestValidationAccuracy:F4}; the best trial is {best.BestValidationAccuracy - baseline.BestValidationAccuracy:+0.0000;-0.0000} from it."));
            if (options.Final && best.Failure is null)
            {
                var full = FashionSample.Draw(dataset, FashionSampleOptions.Full);
                Console.WriteLine(string.Create(inv,
                    $"Training the best configuration for {options.FinalEpochs} epochs on {full.Train.Count:N0} images ({full.Validation.Count:N0} held out)..."));
                FinalRun final;
                try { final = Tuner.TrainFinal(best.Config, options.FinalEpochs, options.Seed, full.Train, full.Validation, full.Test, cancellationToken: cancel); }
                catch (OperationInterruptedException e)
                {
                    throw new OperationInterruptedException(
                        $"Interrupted during the final training; results.csv is written and the {progress!.Finished.Count} trials are kept in {progress.Directory}. " +
                        "Run the same command again to redo the final training alone.", e.CancellationToken);
                }
                result = result.WithFinal(final);
                result.WriteOutputs(outDir);
                Console.WriteLine(string.Create(inv,
                    $"Final: test accuracy {final.Test.Accuracy:F4} (loss {final.Test.Loss:F4}) on {final.TestCount:N0} test images, {final.Seconds:F0} s"));
            }
            // Every result is written: the trials have served their purpose.
            progress!.Delete();
            Console.WriteLine($"Wrote results.csv, summary.json and report.html to {Path.GetFullPath(outDir)}");
            return ExitCodes.Ok;
            }, interruptionIsAgreed: true);
        });
        return command;
    }
}
