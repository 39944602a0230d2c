using System.CommandLine;
using Tailor.Augmentation;
using Tailor.Callbacks;
using Tailor.Common;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Distribution.Mpi;
using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Optimizers.Schedules;
using Tailor.Serialization;
using Tailor.Studies;

namespace Tailor.Cli.Commands;

/// <summary>`tailor train`: one of the notebook's models, with its curves, summary, test metrics and model file.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "dense, cnn, cnn-dropout, conv1d, cnn-bn, resnet or vgg.", DefaultValueFactory = _ => "cnn" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs to train (with --resume: the new total).", DefaultValueFactory = _ => 10 }
            .Within(TrainingOptions.EpochsRange);
        var batchSize = new Option<int?>("--batch-size") { Description = "Samples per step (default: 128 for dense, 64 for the convnets)." }
            .Within(TrainingOptions.BatchSizeRange);
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, rmsprop, adam or adamw.", DefaultValueFactory = _ => "rmsprop" };
        var learningRate = new Option<float?>("--learning-rate") { Description = "Learning rate (default: Keras's for the optimizer)." }
            .Within(TrainingOptions.LearningRateRange);
        var momentum = new Option<float?>("--momentum") { Description = "SGD's momentum (with --optimizer sgd; default none)." }
            .Within(TrainingOptions.MomentumRange);
        var nesterov = new Option<bool>("--nesterov") { Description = "Nesterov momentum (with --optimizer sgd and a --momentum above 0)." };
        var labelSmoothing = new Option<float?>("--label-smoothing") { Description = "Keras's label_smoothing S: train on targets t (1 - S) + S / classes (default 0)." }
            .Within(TrainingOptions.LabelSmoothingRange);
        var flipAverage = new Option<bool>("--flip-average")
        {
            Description = "Test-time augmentation for the test score: average the model's outputs on each test image and on its mirror image (image models; validation is scored as trained).",
        };
        var earlyStopping = new Option<int?>("--early-stopping")
        {
            Description = $"Stop when val_loss has not improved for PATIENCE epochs (default {TrainingOptions.DefaultPatience}) and keep the best epoch's weights.",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "PATIENCE",
        }.Within(TrainingOptions.PatienceRange);
        var schedule = new Option<string?>("--lr-schedule")
        {
            Description = "Learning-rate schedule, arguments in epochs: " + string.Join("; ", ScheduleSpecification.Names.Values) + ".",
            HelpName = "NAME[:ARGS]",
        };
        var augment = new Option<string?>("--augment")
        {
            Description = "Augment training batches (never validation), steps in order: " +
                string.Join("; ", AugmentationPipeline.StepNames.Select(p => $"{p.Key}: {p.Value}")) + ". Example: flip,shift:2,rotate:10.",
            HelpName = "STEPS",
        };
        var checkpointEvery = new Option<int>("--checkpoint-every") { Description = "Write a checkpoint every N epochs (0: only when interrupted).", DefaultValueFactory = _ => 0 }
            .Within(new ValueRange(0, TrainingOptions.EpochsRange.Max));
        var keepCheckpoints = new Option<int>("--keep-checkpoints")
        {
            Description = $"Keep the latest N checkpoints of the folder, deleting older ones as new ones are written.",
            DefaultValueFactory = _ => Checkpointing.DefaultKeep,
        }.Within(Checkpointing.KeepRange);
        var checkpointDir = new Option<string?>("--checkpoint-dir") { Description = "Checkpoint folder (default: OUT/checkpoints)." };
        var resume = new Option<string?>("--resume")
        {
            Description = "Continue from the latest checkpoint in this folder, with the options it was started with (only --epochs, the output, checkpoint, data and thread options may be given beside it).",
        };
        var shards = new Option<int?>("--shards")
        {
            Description = "Cut every batch into S fixed shards whose gradients are added in shard order: the same bits alone or on P MPI ranks (mpiexec -n P tailor train ...).",
            HelpName = "S",
        }.Within(TrainingOptions.BatchSizeRange);
        var distributed = new Option<bool>("--distributed") { Description = "Start MPI (MPICH) even where no MPI launcher is detected in the environment." };
        var seed = CommonOptions.Seed();
        var sampleSeed = CommonOptions.SampleSeed();
        var output = CommonOptions.Out("out/train");

        var command = new Command("train", "Train one of the notebook's models and write history.csv, curves, summary, metrics.json and model.safetensors.")
        {
            model, epochs, batchSize, optimizer, learningRate, momentum, nesterov, labelSmoothing, earlyStopping, schedule, augment, flipAverage,
            checkpointEvery, keepCheckpoints, checkpointDir, resume, shards, distributed, seed, sampleSeed, output,
        };
        var sampleSize = SampleSizeOptions.AddTo(command);
        var images = ImageFolderInput.AddTo(command);
        // What a checkpoint fixes: given beside --resume, they would be silently ignored.
        Option[] fixedByCheckpoint = [model, batchSize, optimizer, learningRate, momentum, nesterov, labelSmoothing, earlyStopping, schedule, augment, flipAverage, shards, seed, sampleSeed, .. sampleSize.All, .. images.Shape];
        command.SetAction(parsed =>
        {
            // A signal from here on stops the command at its next check, keeping what it has finished.
            var cancel = SignalCancellation.Observe();
            string outDir = parsed.GetValue(output)!;
            int every = parsed.GetValue(checkpointEvery);
            if (parsed.GetValue(resume) != null && fixedByCheckpoint.FirstOrDefault(o => parsed.GetResult(o) is { Implicit: false }) is { } given)
                throw new UsageException($"{given.Name} cannot be given with --resume: a resumed run keeps the options its checkpoint was started with " +
                    "(only --epochs may extend it). To train differently, start a new run with another --out.");
            TrainingOptions options;
            FashionSampleOptions sampleOptions;
            TrainingCheckpoint? checkpoint = null;
            string? resuming = null;
            string checkpoints;
            if (parsed.GetValue(resume) is string resumeDir)
            {
                checkpoint = CheckpointFile.ReadLatest(resumeDir, warning => Console.Error.WriteLine($"tailor: warning: {warning}"));
                if (!checkpoint.Metadata.TryGetValue(Checkpointing.OptionsKey, out string? json))
                    throw new ModelFormatException(checkpoint.Path, $"no '{Checkpointing.OptionsKey}' in the metadata: not a checkpoint of tailor train.");
                try { (options, sampleOptions) = TrainingOptions.FromJson(json); }
                catch (FormatException e) { throw new ModelFormatException(checkpoint.Path, e.Message, e); }
                if (parsed.GetResult(epochs) is { Implicit: false }) options = options with { Epochs = parsed.GetValue(epochs) };
                // The stored options are numbers in a file: out of range, they are the file's fault, not the command line's.
                try { options.Validate(); }
                catch (ArgumentException e) { throw new ModelFormatException(checkpoint.Path, $"its training options are out of range: {ErrorText.Of(e)}", e); }
                checkpoints = parsed.GetValue(checkpointDir) ?? resumeDir;
                resuming = $"Resuming from {Path.GetFullPath(checkpoint.Path)} at epoch {checkpoint.State.Epoch + 1}" +
                    (checkpoint.State.IsMidEpoch ? $", step {checkpoint.State.Step + 1}." : ".");
            }
            else
            {
                options = new TrainingOptions
                {
                    Model = ParseModel(parsed.GetValue(model)!),
                    Epochs = parsed.GetValue(epochs),
                    BatchSize = parsed.GetValue(batchSize),
                    Optimizer = parsed.GetValue(optimizer)!,
                    LearningRate = parsed.GetValue(learningRate),
                    Momentum = parsed.GetValue(momentum),
                    Nesterov = parsed.GetValue(nesterov),
                    LabelSmoothing = parsed.GetValue(labelSmoothing),
                    FlipAverage = parsed.GetValue(flipAverage),
                    Seed = parsed.GetValue(seed),
                    EarlyStoppingPatience = parsed.GetResult(earlyStopping) == null ? null : parsed.GetValue(earlyStopping) ?? TrainingOptions.DefaultPatience,
                    Schedule = parsed.GetValue(schedule),
                    Augment = parsed.GetValue(augment),
                    Shards = parsed.GetValue(shards),
                };
                sampleOptions = sampleSize.Read(parsed, parsed.GetValue(sampleSeed));
                checkpoints = parsed.GetValue(checkpointDir) ?? Path.Combine(outDir, "checkpoints");
                images.EnsureShapeOnlyWithImages(parsed);
            }
            options.Validate();
            if (MpiTransport.SlurmTasksWithoutMpi)
                throw new UsageException($"srun started {Environment.GetEnvironmentVariable("SLURM_NTASKS")} tasks without MPI: start them with srun --mpi=pmi2 (see scripts/slurm/train.sbatch).");
            // MPI only when a launcher started this process (or --distributed asks): otherwise nothing of it is loaded.
            using var mpi = MpiRanks.Start(parsed.GetValue(distributed));
            if (mpi is { Size: > 1 } && options.Shards == null)
                throw new UsageException($"--shards is needed on {mpi.Size} MPI ranks: it fixes the result whatever the ranks (e.g. --shards {mpi.Size}).");
            var transport = mpi is { Size: > 1 } ? mpi : null;
            // Every rank trains the same weights; rank 0 alone writes (and speaks). A signal stops every rank at one
            // step (they agree in its exchange), so an interruption ends the job cleanly; any other failure aborts it.
            bool root = mpi == null || mpi.Rank == 0;
            return MpiRanks.Run(mpi, () =>
            {
                if (resuming != null) Console.WriteLine(resuming);
                if (transport != null) Console.WriteLine($"Data-parallel: {options.Shards} shards per batch on {transport.Size} MPI ranks.");
                return Run();
            }, interruptionIsAgreed: true);

            int Run()
            {
            if (images.IsGiven(parsed) && sampleSize.Full(parsed)) throw new UsageException("--full chooses among the IDX images; an --images folder is used as it is.");
            // Outputs are staged and published together after training: a run that fails leaves --out as it was.
            using var outputs = root ? StagedOutputs.Begin(outDir, TrainingRun.AllOutputFiles) : null;
            BatchSource train, validation, test;
            ImageData? imageData = null;
            if (images.IsGiven(parsed) || options.Images != null)
            {
                var kind = options.Model;
                imageData = images.Load(parsed, options.Seed, sampleOptions, options.Images, input => kind.InputShape(input.Shape));
                (train, validation, test, sampleOptions) = (imageData.Train, imageData.Validation, imageData.Test, imageData.Sample);
                options = options with { Images = imageData.Input };
                EnsureModelFits(options);
            }
            else
            {
                var (dataset, location) = CommonOptions.LoadDataset(parsed);
                Console.WriteLine($"Data: {location}");
                var sample = DrawSample(dataset, sampleOptions, checkpoint?.Path);
                (train, validation, test) = (TrainingRun.Source(sample.Train, options.Model), TrainingRun.Source(sample.Validation, options.Model), TrainingRun.Source(sample.Test, options.Model));
            }
            using var disposeSources = imageData;
            Console.WriteLine($"Training {options.Model.Title()} on {train.Count:N0} images, validating on {validation.Count:N0}, testing on {test.Count:N0}.");
            if (options.Schedule != null) Console.WriteLine($"Learning-rate schedule: {options.Schedule}");
            if (options.Augment != null) Console.WriteLine($"Augmenting training batches: {options.CreateAugmentation()}");

            // Under MPI the first step's exchange decides for all ranks: one alone must not stop here.
            if (transport == null && cancel.IsCancellationRequested) throw new OperationInterruptedException("Interrupted before training began; nothing was written.", cancel);
            // Two runs into one folder would mix their checkpoints and outputs: each takes the folders for itself.
            using var outLock = root ? FolderLock.Acquire(outDir, "tailor train") : null;
            using var checkpointLock = !root || Path.GetFullPath(checkpoints) == outLock!.Folder ? null : FolderLock.Acquire(checkpoints, "tailor train");
            // A signal stops training after the current batch; the run then writes a checkpoint and says how to resume.
            var run = TrainingRun.Train(train, validation, test, sampleOptions, options, [new InterruptOnCancellation(cancel)],
                checkpointing: new Checkpointing(checkpoints, root ? every : 0, checkpoint, parsed.GetValue(keepCheckpoints)), transport: transport);
            Console.WriteLine(run.Model.Summary());
            if (outputs != null)
            {
                run.WriteOutputs(outputs.StagingFolder);
                outputs.Publish();
            }
            if (run.EarlyStopping != null) Console.WriteLine(run.EarlyStopping.Describe(run.History.Epochs.Count));
            Console.WriteLine(run.Describe());
            Console.WriteLine($"Wrote {string.Join(", ", run.OutputFiles)} to {Path.GetFullPath(outDir)}");
            return ExitCodes.Ok;
            }
        });
        return command;
    }

    /// <summary>The sample; when its sizes come from a file (<paramref name="file"/>: a checkpoint or model), one the data cannot give is that file's fault.</summary>
    internal static FashionSample DrawSample(FashionMnistDataset dataset, FashionSampleOptions options, string? file)
    {
        try { return FashionSample.Draw(dataset, options); }
        catch (ArgumentException e) when (file != null)
        {
            throw new ModelFormatException(file, $"the sample its training options describe cannot be drawn from this data: {ErrorText.Of(e)}", e);
        }
    }

    /// <summary>Refuses images too small for the model's convolutions and poolings, naming the layer that runs out of pixels.</summary>
    private static void EnsureModelFits(TrainingOptions options)
    {
        try { NotebookModels.CreateModel(options.Model, options.ImageShape, options.Classes); }
        catch (ArgumentException e)
        {
            throw new UsageException($"--image-size {options.Images!.Height}x{options.Images.Width} is too small for --model {options.Model.CliName()}: {ErrorText.Of(e)}");
        }
    }

    public static NotebookModel ParseModel(string name)
    {
        try { return NotebookModels.Parse(name); }
        catch (ArgumentException e) { throw new UsageException($"--model: {e.Message}"); }
    }
}
