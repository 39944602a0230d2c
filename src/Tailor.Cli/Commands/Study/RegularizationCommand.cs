using System.CommandLine;
using System.Globalization;
using Tailor.Common;
using Spectre.Console;
using Tailor.Studies;

namespace Tailor.Cli.Commands.Study;

/// <summary>`tailor study regularization`: the CNN without regularisation, with dropout, L2, augmentation and early stopping.</summary>
internal static class RegularizationCommand
{
    public static Command Create()
    {
        var defaults = new RegularizationStudyOptions();
        var quick = new Option<bool>("--quick") { Description = $"{RegularizationStudyOptions.Quick.Epochs} epochs on 2,000 training images, for a fast look at every part of the report." };
        var epochs = new Option<int?>("--epochs") { Description = $"Epochs for every variant (default: {defaults.Epochs}; early stopping may end sooner)." }
            .Within(TrainingOptions.EpochsRange);
        var l2 = new Option<float>("--l2") { Description = $"L2 factor on every kernel (default: {defaults.L2.ToString(CultureInfo.InvariantCulture)}).", DefaultValueFactory = _ => defaults.L2 }
            .Within(RegularizationStudyOptions.L2Range);
        var augment = new Option<string>("--augment") { Description = $"Augmentation of the augmented variant (default: {defaults.Augment}).", DefaultValueFactory = _ => defaults.Augment };
        var patience = new Option<int?>("--patience") { Description = $"Early-stopping patience in epochs (default: {defaults.Patience}; {RegularizationStudyOptions.Quick.Patience} with --quick)." }
            .Within(TrainingOptions.PatienceRange);
        var seed = CommonOptions.Seed();
        var sampleSeed = CommonOptions.SampleSeed();
        var output = CommonOptions.Out(defaults.OutputDirectory);
        var command = new Command("regularization",
            "Train the CNN five ways (no regularisation, dropout, L2, augmentation, early stopping) on the same sample and seed; write report.html and results.csv.")
        {
            quick, epochs, l2, augment, patience, seed, sampleSeed, output,
        };
        command.SetAction(parsed =>
        {
            // A signal from here on stops the command at its next check, keeping what it has finished.
            var cancel = SignalCancellation.Observe();
            var start = parsed.GetValue(quick) ? RegularizationStudyOptions.Quick : defaults;
            // The report and its images are staged and published together when the study has finished.
            using var outputs = StagedOutputs.Begin(parsed.GetValue(output)!, ["report.html"]);
            var options = start with
            {
                OutputDirectory = outputs.StagingFolder,
                Epochs = parsed.GetValue(epochs) ?? start.Epochs,
                L2 = parsed.GetValue(l2),
                Augment = parsed.GetValue(augment)!,
                Patience = parsed.GetValue(patience) ?? start.Patience,
                Seed = parsed.GetValue(seed),
                Sample = start.Sample with { Seed = parsed.GetValue(sampleSeed) },
            };
            options.Validate();
            var (dataset, location) = CommonOptions.LoadDataset(parsed);
            Console.WriteLine($"Data: {location}");
            var study = new RegularizationStudy(options, Console.Out);
            study.Run(dataset, cancel);

            // Narrow enough for 80 columns; the report and results.csv have every column.
            var table = new Table().Title("Regularising the CNN").AddColumn("Variant");
            foreach (string column in new[] { "Kept/run", "Train", "Val", "Gap", "Test acc", "Norm" })
                table.AddColumn(new TableColumn(column).RightAligned());
            foreach (var r in study.Results)
                table.AddRow(r.Variant.CliName(), $"{r.KeptEpoch}/{r.EpochsRun}", F(r.TrainLoss, 4), F(r.ValidationLoss, 4), F(r.Gap, 4),
                    F(r.TestAccuracy, 4), F(r.KernelNorm, 2));
            Console.WriteLine("Kept/run: the epoch whose weights were kept / epochs trained. Train, Val: losses of the kept epoch; Gap = Val - Train; Norm: of all kernels.");
            AnsiConsole.Write(table);
            outputs.Publish();
            Console.WriteLine($"Report: {Path.Combine(outputs.Folder, Path.GetFileName(study.ReportPath))}, results: {Path.Combine(outputs.Folder, Path.GetFileName(study.ResultsPath))}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string F(double v, int digits) => v.ToString("F" + digits, CultureInfo.InvariantCulture);
}
