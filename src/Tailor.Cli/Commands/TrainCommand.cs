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
        var model = new Option<string>("--model") { Description = "dense, cnn or cnn-dropout.", DefaultValueFactory = _ => "cnn" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs to train.", DefaultValueFactory = _ => 10 };
        var batchSize = new Option<int?>("--batch-size") { Description = "Samples per step (default: 128 for dense, 64 for the CNNs)." };
        var optimizer = new Option<string>("--optimizer") { Description = "sgd, rmsprop, adam or adamw.", DefaultValueFactory = _ => "rmsprop" };
        var learningRate = new Option<float?>("--learning-rate") { Description = "Learning rate (default: Keras's for the optimizer)." };
        var full = new Option<bool>("--full") { Description = "Use all 60,000/10,000 images (10,000 held out) instead of the notebook's sample." };
        var seed = CommonOptions.Seed();
        var sampleSeed = CommonOptions.SampleSeed();
        var output = CommonOptions.Out("out/train");

        var command = new Command("train", "Train one of the notebook's models and write history.csv, curves, summary and metrics.json.")
        {
            model, epochs, batchSize, optimizer, learningRate, full, seed, sampleSeed, output,
        };
        var images = ImageFolderInput.AddTo(command);
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
            if (images.IsGiven(parsed) && parsed.GetValue(full)) throw new UsageException("--full chooses among the IDX images; an --images folder is used as it is.");
            var (train, validation, test) = images.IsGiven(parsed)
                ? images.Load(parsed, options.Seed)
                : Sample(parsed, parsed.GetValue(full), parsed.GetValue(sampleSeed));
            Console.WriteLine($"Training {options.Model.Title()} on {train.Count:N0} images, validating on {validation.Count:N0}, testing on {test.Count:N0}.");
            var run = TrainingRun.Train(train, validation, test, options);
            Console.WriteLine(run.Model.Summary());
            run.WriteOutputs(outDir);
            Console.WriteLine(run.Describe());
            Console.WriteLine($"Wrote history.csv, loss.png, accuracy.png, summary.txt and metrics.json to {Path.GetFullPath(outDir)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static (LabeledTensors Train, LabeledTensors Validation, LabeledTensors Test) Sample(ParseResult parsed, bool full, ulong seed)
    {
        var (dataset, location) = CommonOptions.LoadDataset(parsed);
        Console.WriteLine($"Data: {location.Description}");
        var sample = FashionSample.Draw(dataset, SampleOptions(full, seed));
        return (sample.Train, sample.Validation, sample.Test);
    }

    public static NotebookModel ParseModel(string name)
    {
        try { return NotebookModels.Parse(name); }
        catch (ArgumentException e) { throw new UsageException($"--model: {e.Message}"); }
    }

    public static FashionSampleOptions SampleOptions(bool full, ulong seed) =>
        (full ? FashionSampleOptions.Full : FashionSampleOptions.Notebook) with { Seed = seed };
}
