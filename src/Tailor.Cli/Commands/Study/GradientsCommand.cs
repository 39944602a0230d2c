using System.CommandLine;
using System.Globalization;
using Tailor.Common;
using Spectre.Console;
using Tailor.Studies;

namespace Tailor.Cli.Commands.Study;

/// <summary>`tailor study gradients`: what the gradients do inside a deep network, and two remedies.</summary>
internal static class GradientsCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "2 epochs on 2,000 training images: a look in seconds." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs of each network (default 10, 2 with --quick)." }.Within(TrainingOptions.EpochsRange);
        var hidden = new Option<int>("--hidden-layers") { Description = "Hidden layers of each network.", DefaultValueFactory = _ => 10 }
            .Within(GradientStudyOptions.HiddenLayersRange);
        var learningRate = new Option<float>("--learning-rate") { Description = "SGD learning rate (momentum 0.9).", DefaultValueFactory = _ => 0.01f }
            .Within(TrainingOptions.LearningRateRange);
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("out/gradients");
        var command = new Command("gradients",
            "Train a deep sigmoid MLP (Glorot init), the same with ReLU and He init, and with BatchNormalization; write report.html with each layer's gradient norm.")
        {
            quick, epochs, hidden, learningRate, seed, output,
        };
        command.SetAction(parsed =>
        {
            // A signal from here on stops the command at its next check, keeping what it has finished.
            var cancel = SignalCancellation.Observe();
            var defaults = parsed.GetValue(quick) ? GradientStudyOptions.Quick : new GradientStudyOptions();
            // The report and its images are staged and published together when the study has finished.
            using var outputs = StagedOutputs.Begin(parsed.GetValue(output)!, ["report.html"]);
            var options = defaults with
            {
                OutputDirectory = outputs.StagingFolder,
                Seed = parsed.GetValue(seed),
                Epochs = parsed.GetValue(epochs) ?? defaults.Epochs,
                HiddenLayers = parsed.GetValue(hidden),
                LearningRate = parsed.GetValue(learningRate),
            };
            options.Validate();
            var (dataset, location) = CommonOptions.LoadDataset(parsed);
            Console.WriteLine($"Data: {location}");
            var study = new GradientStudy(options, Console.Out);
            study.Run(dataset, cancel);

            var table = new Table().Title("Gradient norms of the first and last layers").AddColumn("Network")
                .AddColumn(new TableColumn("First layer").RightAligned()).AddColumn(new TableColumn("Last layer").RightAligned())
                .AddColumn(new TableColumn("Last / first").RightAligned()).AddColumn(new TableColumn("Test accuracy").RightAligned());
            foreach (var r in study.Runs)
                table.AddRow(GradientStudy.Title(r.Variant), E(r.FirstLayerGradient), E(r.LastLayerGradient), E(r.Ratio),
                    r.Test.Accuracy.ToString("F4", CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            outputs.Publish();
            Console.WriteLine($"Report: {Path.Combine(outputs.Folder, Path.GetFileName(study.ReportPath))}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string E(double v) => v.ToString("0.00e+00", CultureInfo.InvariantCulture);
}
