using System.CommandLine;
using System.Globalization;
using Tailor.Common;
using Spectre.Console;
using Tailor.Data;
using Tailor.Studies;

namespace Tailor.Cli.Commands.Study;

/// <summary>`tailor study record`: from the notebook's CNN to the record recipe, one ingredient per rung.</summary>
internal static class RecordCommand
{
    /// <summary>Where finished rungs are kept inside --out until the report is written.</summary>
    public const string RungsFolder = "rungs";

    public static Command Create()
    {
        var defaults = new RecordStudyOptions();
        var quick = RecordStudyOptions.Quick;
        var quickOption = new Option<bool>("--quick") { Description = $"{quick.Epochs} epochs per rung on 1,000 training images (250 validate, 500 test): the whole report in well under a minute." };
        var epochs = new Option<int?>("--epochs") { Description = $"Epochs of every rung (default: {defaults.Epochs}; {quick.Epochs} with --quick)." }
            .Within(TrainingOptions.EpochsRange);
        var trainImages = new Option<int?>("--train-images") { Description = "Sample this many training images, a fifth of them to validate (default: all 60,000, 10,000 of them to validate; every test image)." }
            .Within(RecordStudyOptions.SampleRange);
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out(defaults.OutputDirectory);
        var command = new Command("record",
            "Climb from the notebook's CNN to the record recipe one ingredient at a time (BatchNorm, VGG-style network, one-cycle schedule, AdamW, " +
            "flip augmentation, flip averaging) on the same data, seed and epochs; write report.html, results.csv and results.md.")
        {
            quickOption, epochs, trainImages, seed, output,
        };
        command.SetAction(parsed =>
        {
            // A signal from here on stops the command at its next check, keeping the rungs it has finished.
            var cancel = SignalCancellation.Observe();
            var start = parsed.GetValue(quickOption) ? quick : defaults;
            string outDir = parsed.GetValue(output)!;
            // The report, tables and images are staged and published together when the study has finished.
            using var outputs = StagedOutputs.Begin(outDir, RecordStudy.OutputFiles);
            var options = start with
            {
                OutputDirectory = outputs.StagingFolder,
                Epochs = parsed.GetValue(epochs) ?? start.Epochs,
                Seed = parsed.GetValue(seed),
                Sample = parsed.GetValue(trainImages) is int n ? RecordStudyOptions.SampleOf(n) with { TestCount = start.Sample.TestCount } : start.Sample,
            };
            options.Validate();
            var (dataset, location) = CommonOptions.LoadDataset(parsed);
            Console.WriteLine($"Data: {location}");
            var sample = FashionSample.Draw(dataset, options.Sample);
            // Finished rungs are kept in OUT/rungs as they end; the same command run again resumes from them.
            var progress = RecordStudy.Progress(Path.Combine(outputs.Folder, RungsFolder), options, sample);
            if (progress.Finished.Count > 0)
                Console.WriteLine($"Resuming: {progress.Finished.Count} finished rungs are kept in {progress.Directory}.");
            var study = new RecordStudy(options, Console.Out);
            study.Run(sample, progress, cancellationToken: cancel);

            var table = new Table().Title("From the notebook's CNN to the record").AddColumn("Rung");
            foreach (string column in new[] { "Params", "Val acc", "Test acc", "Δ test", "Seconds", "CPU s" })
                table.AddColumn(new TableColumn(column).RightAligned());
            foreach (var r in study.Results)
                table.AddRow(Markup.Escape($"{r.Rung.Number()}. {r.Rung.Title()}"), r.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                    F(r.ValidationAccuracy), F(r.TestAccuracy), r.TestDelta is double d ? d.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture) : "",
                    r.Seconds.ToString("F1", CultureInfo.InvariantCulture), r.CpuSeconds.ToString("F1", CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            outputs.Publish();
            // Every result is written: the kept rungs have served their purpose.
            progress.Delete();
            Console.WriteLine($"Report: {Path.Combine(outputs.Folder, Path.GetFileName(study.ReportPath))}, table: {Path.Combine(outputs.Folder, Path.GetFileName(study.ResultsPath))} and results.md");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}
