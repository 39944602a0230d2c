using System.CommandLine;
using System.Globalization;
using Tailor.Common;
using Spectre.Console;
using Tailor.Models;
using Tailor.Studies;

namespace Tailor.Cli.Commands;

/// <summary>`tailor tutorial`: the whole notebook, one report.</summary>
internal static class TutorialCommand
{
    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "A few epochs of each model, for a fast look at every section." };
        var example = new Option<int>("--example") { Description = "Test image (index in the test sample) to predict and to show feature maps for.", DefaultValueFactory = _ => 0 }
            .Within(TutorialOptions.ExampleRange);
        var seed = CommonOptions.Seed();
        var sampleSeed = CommonOptions.SampleSeed();
        var output = CommonOptions.Out("out/tutorial");
        var command = new Command("tutorial", "Run the whole Zalando Fashion-MNIST notebook and write report.html.") { quick, example, seed, sampleSeed, output };
        var sampleSize = SampleSizeOptions.AddTo(command);
        command.SetAction(parsed =>
        {
            // A signal from here on stops the command at its next check, keeping what it has finished.
            var cancel = SignalCancellation.Observe();
            // The report and its images are staged and published together when the study has finished.
            using var outputs = StagedOutputs.Begin(parsed.GetValue(output)!, ["report.html"]);
            var options = (parsed.GetValue(quick) ? TutorialOptions.Quick : new TutorialOptions()) with
            {
                OutputDirectory = outputs.StagingFolder,
                Seed = parsed.GetValue(seed),
                SampleSeed = parsed.GetValue(sampleSeed),
                Full = sampleSize.Full(parsed),
                Sample = sampleSize.Read(parsed, parsed.GetValue(sampleSeed)),
                ExampleIndex = parsed.GetValue(example),
            };
            options.Validate();
            var (dataset, location) = CommonOptions.LoadDataset(parsed);
            var tutorial = new ZalandoTutorial(options, Console.Out);
            tutorial.Run(dataset, location, cancel);

            var table = new Table().Title("The models").AddColumn("Model")
                .AddColumn(new TableColumn("Parameters").RightAligned()).AddColumn(new TableColumn("Epochs").RightAligned())
                .AddColumn(new TableColumn("Seconds").RightAligned()).AddColumn(new TableColumn("Test loss").RightAligned())
                .AddColumn(new TableColumn("Test accuracy").RightAligned());
            foreach (var r in tutorial.Results)
                table.AddRow(r.Model.Title(), r.Parameters.ToString("N0", CultureInfo.InvariantCulture), r.Epochs.ToString(),
                    r.Seconds.ToString("F1", CultureInfo.InvariantCulture), r.TestLoss.ToString("F4", CultureInfo.InvariantCulture),
                    r.TestAccuracy.ToString("F4", CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            outputs.Publish();
            Console.WriteLine($"Report: {Path.Combine(outputs.Folder, Path.GetFileName(tutorial.ReportPath))}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
