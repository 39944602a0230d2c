using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Tailor.Common;
using Tailor.Reports;
using Tailor.Visualization;

namespace Tailor.Studies.Tuning;

/// <summary>The trials of a search ranked by best validation accuracy, the baseline they compete with, and the final run of the best one.</summary>
public sealed class TuningResult
{
    public TuningResult(TuningOptions options, SearchSpace space, IReadOnlyList<TrialResult> trials, TrialResult? baseline, FinalRun? final = null)
    {
        ArgumentNullException.ThrowIfNull(trials);
        if (trials.Count == 0) throw new ArgumentException("A tuning result needs at least one trial.", nameof(trials));
        Options = options;
        Space = space;
        // Failed trials last; ties keep the order in which they ran.
        Ranked = [.. trials.OrderByDescending(t => t.Failure is null).ThenByDescending(t => t.Failure is null ? t.BestValidationAccuracy : 0).ThenBy(t => t.Number)];
        Baseline = baseline;
        Final = final;
    }

    public TuningOptions Options { get; }
    public SearchSpace Space { get; }

    /// <summary>The trials, best validation accuracy first.</summary>
    public IReadOnlyList<TrialResult> Ranked { get; }

    public TrialResult Best => Ranked[0];

    /// <summary>The notebook's CNN with dropout trained like the trials; null when not asked for.</summary>
    public TrialResult? Baseline { get; }

    public FinalRun? Final { get; }

    public TuningResult WithFinal(FinalRun final) => new(Options, Space, Ranked, Baseline, final);

    private static readonly string[] ConfigKeys = [.. ConvNetConfig.NotebookCnnWithDropout.ToKeyValues().Select(p => p.Key)];

    /// <summary>results.csv: one row per trial, best first: rank, trial, scores, parameters, seconds, the configuration, failure.</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder("rank,trial,best_val_accuracy,best_epoch,final_val_accuracy,final_val_loss,parameters,seconds,")
            .Append(string.Join(',', ConfigKeys)).Append(",failure\n");
        for (int i = 0; i < Ranked.Count; i++)
        {
            var t = Ranked[i];
            csv.Append(CultureInfo.InvariantCulture,
                $"{i + 1},{t.Number},{R(t.BestValidationAccuracy)},{t.BestEpoch},{R(t.FinalValidationAccuracy)},{R(t.FinalValidationLoss)},{t.Parameters},{t.Seconds:F3},");
            csv.Append(string.Join(',', t.Config.ToKeyValues().Select(p => Cell(p.Value)))).Append(',').Append(Quote(t.Failure ?? "")).Append('\n');
        }
        return csv.ToString();
    }

    private static string R(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Cell(object value) => value is float f ? f.ToString("R", CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture)!;

    private static string Quote(string text) => text.Length == 0 ? "" : "\"" + text.Replace("\"", "\"\"") + "\"";

    public string SummaryJson() => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["strategy"] = Options.Strategy.ToString().ToLowerInvariant(),
        ["trials"] = Ranked.Count,
        ["epochs"] = Options.Epochs,
        ["seed"] = Options.Seed,
        ["space"] = Space.Domains.ToDictionary(d => d.Parameter.Key, d => d.Domain.Describe()),
        ["best"] = Trial(Best),
        ["baseline"] = Baseline is null ? null : Trial(Baseline),
        ["final"] = Final is null ? null : new Dictionary<string, object?>
        {
            ["epochs"] = Final.History.Epochs.Count, ["train"] = Final.TrainCount, ["validation"] = Final.ValidationCount,
            ["test_images"] = Final.TestCount, ["test_loss"] = Final.Test.Loss, ["test_accuracy"] = Final.Test.Accuracy,
            ["final_val_accuracy"] = Final.History["val_accuracy"][^1], ["seconds"] = Math.Round(Final.Seconds, 3),
        },
    }, JsonOptions) + "\n";

    // The space is shown as written in space.json; the relaxed encoder keeps its quotes readable instead of \u0022.
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static Dictionary<string, object?> Trial(TrialResult t) => new()
    {
        ["trial"] = t.Number, ["config"] = t.Config.ToKeyValues().ToDictionary(p => p.Key, p => p.Value),
        ["best_val_accuracy"] = double.IsNaN(t.BestValidationAccuracy) ? null : t.BestValidationAccuracy, ["best_epoch"] = t.BestEpoch,
        ["parameters"] = t.Parameters, ["seconds"] = Math.Round(t.Seconds, 3), ["failure"] = t.Failure,
    };

    /// <summary>The validation accuracy per epoch of the best trial and of the baseline, on one plot.</summary>
    public byte[] ComparisonPlot()
    {
        var series = new List<NamedSeries>();
        if (Best.History is not null) series.Add(new NamedSeries($"Best trial ({Best.Number})", Best.History["val_accuracy"]));
        if (Baseline?.History is not null) series.Add(new NamedSeries("Notebook CNN with dropout", Baseline.History["val_accuracy"]));
        return TrainingCurves.Overlay("Validation accuracy: best trial and baseline", "Accuracy", series);
    }

    public HtmlReport Report(byte[]? comparisonPlot = null, byte[]? finalPlot = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var report = new HtmlReport("Hyperparameter search");
        var setup = report.AddSection("The search");
        setup.Paragraph(string.Create(inv,
            $"{Options.Strategy.ToString().ToLowerInvariant()} search, {Ranked.Count} trials of {Options.Epochs} epochs each, seed {Options.Seed}. " +
            $"Every trial trains on the same images and is scored by its best validation accuracy over the epochs (the epoch is given)."));
        setup.Table(["Key", "Values searched"], Space.Domains.Select(d => (IReadOnlyList<string>)[d.Parameter.Key, d.Domain.Describe()]));
        setup.Paragraph("Keys not listed keep the notebook's CNN-with-dropout value: " + ConvNetConfig.NotebookCnnWithDropout.Describe() + ".");

        var results = report.AddSection("Trials, best first");
        if (Baseline is not null)
        {
            string verdict = Baseline.Failure is not null ? "The baseline diverged."
                : Best.Failure is not null ? "Every trial diverged."
                : Best.BestValidationAccuracy > Baseline.BestValidationAccuracy
                    ? FormattableString.Invariant($"The best trial beats the baseline by {Best.BestValidationAccuracy - Baseline.BestValidationAccuracy:+0.0000} in validation accuracy.")
                    : FormattableString.Invariant($"No trial beats the baseline: the best trial is {Best.BestValidationAccuracy - Baseline.BestValidationAccuracy:+0.0000;-0.0000} from it.");
            results.Paragraph(string.Create(inv,
                $"Baseline, the notebook's CNN with dropout trained the same way: best validation accuracy {Baseline.BestValidationAccuracy:F4} at epoch {Baseline.BestEpoch}. {verdict}"));
        }
        results.Table(["Rank", "Trial", "Best val accuracy", "Epoch", "Last val accuracy", "Parameters", "Seconds", "Configuration"],
            Ranked.Select((t, i) => (IReadOnlyList<string>)
            [
                (i + 1).ToString(inv), t.Number.ToString(inv),
                t.Failure is null ? t.BestValidationAccuracy.ToString("F4", inv) : "diverged", t.BestEpoch.ToString(inv),
                t.Failure is null ? t.FinalValidationAccuracy.ToString("F4", inv) : "", t.Parameters.ToString("N0", inv),
                t.Seconds.ToString("F1", inv), t.Config.Describe(),
            ]));
        if (Best.History is not null) results.Image(comparisonPlot ?? ComparisonPlot(), "Validation accuracy per epoch of the best trial and of the baseline");

        if (Final is not null)
        {
            var final = report.AddSection("The best configuration on the full training set");
            final.Paragraph(string.Create(inv,
                $"{Final.Config.Describe()}, trained {Final.History.Epochs.Count} epochs on {Final.TrainCount:N0} images ({Final.ValidationCount:N0} held out) in {Final.Seconds:F0} s: " +
                $"test loss {Final.Test.Loss:F4}, test accuracy {Final.Test.Accuracy:F4} on {Final.TestCount:N0} test images."));
            final.Image(finalPlot ?? FinalPlot(), "Training and validation accuracy of the final run");
        }
        return report;
    }

    public byte[] FinalPlot() => Final is null
        ? throw new InvalidOperationException("There is no final run to plot.")
        : TrainingCurves.Accuracy(Final.History["accuracy"], Final.History["val_accuracy"]);

    /// <summary>Writes results.csv, summary.json and report.html (and final_accuracy.png after a final run), each atomically.</summary>
    public void WriteOutputs(string directory)
    {
        byte[]? comparison = Best.History is null ? null : ComparisonPlot();
        byte[]? final = Final is null ? null : FinalPlot();
        var report = Report(comparison, final);
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, "results.csv"), ToCsv());
        AtomicFile.WriteAllText(Path.Combine(directory, "summary.json"), SummaryJson());
        if (final is not null) PngFile.Save(final, Path.Combine(directory, "final_accuracy.png"));
        report.Save(Path.Combine(directory, "report.html"));
    }
}
