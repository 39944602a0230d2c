using System.CommandLine;
using Tailor.Augmentation;
using Tailor.Data;
using Tailor.Models;
using Tailor.Optimizers.Schedules;
using Tailor.Studies;

namespace Tailor.Cli.Commands;

/// <summary>`tailor train`: one of the notebook's models, with its curves, summary and test metrics.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "dense, cnn or cnn-dropout.", DefaultValueFactory = _ => "cnn" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs to train.", DefaultValueFactory = _ => 10 };
        var batchSize = new Option<int?>("--batch-size") { Description = "Samples per step (default: 128 for dense, 64 for the CNNs)." };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, rmsprop, adam or adamw.", DefaultValueFactory = _ => "rmsprop" };
        var learningRate = new Option<float?>("--learning-rate") { Description = "Learning rate (default: Keras's for the optimizer)." };
        var full = new Option<bool>("--full") { Description = "Use all 60,000/10,000 images (10,000 held out) instead of the notebook's sample." };
        var earlyStopping = new Option<int?>("--early-stopping")
        {
            Description = $"Stop when val_loss has not improved for PATIENCE epochs (default {TrainingOptions.DefaultPatience}) and keep the best epoch's weights.",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "PATIENCE",
        };
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
        var seed = CommonOptions.Seed();
        var sampleSeed = CommonOptions.SampleSeed();
        var output = CommonOptions.Out("out/train");

        var command = new Command("train", "Train one of the notebook's models and write history.csv, curves, summary and metrics.json.")
        {
            model, epochs, batchSize, optimizer, learningRate, earlyStopping, schedule, augment, full, seed, sampleSeed, output,
        };
        command.SetAction(parsed =>
        {
            var options = new TrainingOptions
            {
                Model = ParseModel(parsed.GetValue(model)!),
                Epochs = parsed.GetValue(epochs),
                BatchSize = parsed.GetValue(batchSize),
                Optimizer = parsed.GetValue(optimizer)!,
                LearningRate = parsed.GetValue(learningRate),
                Seed = parsed.GetValue(seed),
                EarlyStoppingPatience = parsed.GetResult(earlyStopping) == null ? null : parsed.GetValue(earlyStopping) ?? TrainingOptions.DefaultPatience,
                Schedule = parsed.GetValue(schedule),
                Augment = parsed.GetValue(augment),
            };
            options.Validate();
            string outDir = parsed.GetValue(output)!;
            var (dataset, location) = CommonOptions.LoadDataset(parsed);
            Console.WriteLine($"Data: {location.Description}");
            var sample = FashionSample.Draw(dataset, SampleOptions(parsed.GetValue(full), parsed.GetValue(sampleSeed)));
            Console.WriteLine($"Training {options.Model.Title()} on {sample.Train.Count:N0} images, validating on {sample.Validation.Count:N0}, testing on {sample.Test.Count:N0}.");
            if (options.Schedule != null) Console.WriteLine($"Learning-rate schedule: {options.Schedule}");
            if (options.Augment != null) Console.WriteLine($"Augmenting training batches: {options.CreateAugmentation()}");
            var run = TrainingRun.Train(sample, options);
            Console.WriteLine(run.Model.Summary());
            run.WriteOutputs(outDir);
            if (run.EarlyStopping != null) Console.WriteLine(run.EarlyStopping.Describe(run.History.Epochs.Count));
            Console.WriteLine(run.Describe());
            Console.WriteLine($"Wrote {string.Join(", ", run.OutputFiles)} to {Path.GetFullPath(outDir)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static NotebookModel ParseModel(string name)
    {
        try { return NotebookModels.Parse(name); }
        catch (ArgumentException e) { throw new UsageException($"--model: {e.Message}"); }
    }

    public static FashionSampleOptions SampleOptions(bool full, ulong seed) =>
        (full ? FashionSampleOptions.Full : FashionSampleOptions.Notebook) with { Seed = seed };
}
