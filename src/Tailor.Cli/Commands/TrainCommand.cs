using System.CommandLine;
using Tailor.Data;
using Tailor.Models;
using Tailor.Studies;

namespace Tailor.Cli.Commands;

/// <summary>`tailor train`: one of the notebook's models, with its curves, summary and test metrics.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "dense, cnn, cnn-dropout or conv1d.", DefaultValueFactory = _ => "cnn" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs to train.", DefaultValueFactory = _ => 10 };
        var batchSize = new Option<int?>("--batch-size") { Description = "Samples per step (default: 128 for dense, 64 for the convnets)." };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, rmsprop, adam or adamw.", DefaultValueFactory = _ => "rmsprop" };
        var learningRate = new Option<float?>("--learning-rate") { Description = "Learning rate (default: Keras's for the optimizer)." };
        var full = new Option<bool>("--full") { Description = "Use all 60,000/10,000 images (10,000 held out) instead of the notebook's sample." };
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("out/train");

        var command = new Command("train", "Train one of the notebook's models and write history.csv, curves, summary and metrics.json.")
        {
            model, epochs, batchSize, optimizer, learningRate, full, seed, output,
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
            };
            options.Validate();
            string outDir = parsed.GetValue(output)!;
            var (dataset, location) = CommonOptions.LoadDataset(parsed);
            Console.WriteLine($"Data: {location.Description}");
            var sample = FashionSample.Draw(dataset, SampleOptions(parsed.GetValue(full), options.Seed));
            Console.WriteLine($"Training {options.Model.Title()} on {sample.Train.Count:N0} images, validating on {sample.Validation.Count:N0}, testing on {sample.Test.Count:N0}.");
            var run = TrainingRun.Train(sample, options);
            Console.WriteLine(run.Model.Summary());
            run.WriteOutputs(outDir);
            Console.WriteLine(run.Describe());
            Console.WriteLine($"Wrote history.csv, loss.png, accuracy.png, summary.txt and metrics.json to {Path.GetFullPath(outDir)}");
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
