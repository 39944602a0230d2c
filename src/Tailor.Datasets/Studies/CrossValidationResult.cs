using System.Globalization;
using System.Text;
using System.Text.Json;
using Tailor.Common;
using Tailor.Models;
using Tailor.Reports;
using Tailor.Visualization;

namespace Tailor.Studies;

/// <summary>The folds of a cross-validation and their summary: mean and standard deviation of the held-out accuracy.</summary>
public sealed class CrossValidationResult
{
    public CrossValidationResult(CrossValidationOptions options, int samples, IReadOnlyList<FoldResult> folds)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(folds);
        if (folds.Count == 0) throw new ArgumentException("A cross-validation result needs at least one fold.", nameof(folds));
        Options = options;
        Samples = samples;
        Folds = folds;
    }

    public CrossValidationOptions Options { get; }

    /// <summary>Samples split into folds.</summary>
    public int Samples { get; }

    public IReadOnlyList<FoldResult> Folds { get; }

    public double MeanAccuracy => Folds.Average(f => f.ValidationAccuracy);

    /// <summary>The sample standard deviation (divided by k - 1) of the folds' held-out accuracies; 0 for one fold.</summary>
    public double AccuracyStandardDeviation => StandardDeviation(Folds.Select(f => f.ValidationAccuracy).ToArray());

    public double? MeanTestAccuracy => Folds.All(f => f.Test is not null) ? Folds.Average(f => f.Test!.Accuracy) : null;

    public double? TestAccuracyStandardDeviation =>
        Folds.All(f => f.Test is not null) ? StandardDeviation(Folds.Select(f => f.Test!.Accuracy).ToArray()) : null;

    public double TotalSeconds => Folds.Sum(f => f.Seconds);

    public static double StandardDeviation(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>"0.8812 ± 0.0041", the way the command prints and the report shows the summary.</summary>
    public static string MeanAndDeviation(double mean, double deviation) =>
        string.Create(CultureInfo.InvariantCulture, $"{mean:F4} ± {deviation:F4}");

    /// <summary>One row per fold: fold, train, validation, val_loss, val_accuracy, best_val_accuracy, best_epoch, test_loss, test_accuracy, seconds.</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder("fold,train,validation,val_loss,val_accuracy,best_val_accuracy,best_epoch,test_loss,test_accuracy,seconds\n");
        foreach (var f in Folds)
        {
            var (best, epoch) = f.BestValidation;
            csv.Append(CultureInfo.InvariantCulture,
                $"{f.Fold},{f.TrainCount},{f.ValidationCount},{R(f.ValidationLoss)},{R(f.ValidationAccuracy)},{R(best)},{epoch},{R(f.Test?.Loss)},{R(f.Test?.Accuracy)},{f.Seconds:F3}\n");
        }
        return csv.ToString();
    }

    private static string R(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    public string SummaryJson() => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["model"] = Options.Model.CliName(),
        ["folds"] = Folds.Count,
        ["samples"] = Samples,
        ["epochs"] = Options.EffectiveEpochs,
        ["batch_size"] = Options.Training.EffectiveBatchSize,
        ["optimizer"] = Options.Optimizer,
        ["learning_rate"] = Options.LearningRate,
        ["seed"] = Options.Seed,
        ["mean_val_accuracy"] = MeanAccuracy,
        ["std_val_accuracy"] = AccuracyStandardDeviation,
        ["mean_test_accuracy"] = MeanTestAccuracy,
        ["std_test_accuracy"] = TestAccuracyStandardDeviation,
        ["total_seconds"] = Math.Round(TotalSeconds, 3),
        ["per_fold"] = Folds.Select(f => new Dictionary<string, object?>
        {
            ["fold"] = f.Fold, ["train"] = f.TrainCount, ["validation"] = f.ValidationCount,
            ["val_loss"] = f.ValidationLoss, ["val_accuracy"] = f.ValidationAccuracy,
            ["best_val_accuracy"] = f.BestValidation.Accuracy, ["best_epoch"] = f.BestValidation.Epoch,
            ["test_accuracy"] = f.Test?.Accuracy, ["seconds"] = Math.Round(f.Seconds, 3),
        }).ToArray(),
    }, new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>The folds' validation accuracy per epoch, one curve per fold.</summary>
    public byte[] AccuracyPlot() => TrainingCurves.Overlay("Validation accuracy of each fold", "Accuracy",
        [.. Folds.Select(f => new NamedSeries($"Fold {f.Fold}", f.History["val_accuracy"]))]);

    /// <summary>The folds' validation loss per epoch, one curve per fold.</summary>
    public byte[] LossPlot() => TrainingCurves.Overlay("Validation loss of each fold", "Loss",
        [.. Folds.Select(f => new NamedSeries($"Fold {f.Fold}", f.History["val_loss"]))]);

    public HtmlReport Report(byte[]? accuracyPlot = null, byte[]? lossPlot = null)
    {
        var report = new HtmlReport($"{Folds.Count}-fold cross-validation of the {Options.Model.Title().ToLowerInvariant()}");
        var inv = CultureInfo.InvariantCulture;
        var summary = report.AddSection("Summary");
        summary.Paragraph(string.Create(inv,
            $"{Samples:N0} training images split into {Folds.Count} stratified folds (each keeps the class proportions). " +
            $"For each fold the model, with the same initial weights (seed {Options.Seed}), trains {Options.EffectiveEpochs} epochs " +
            $"on the other {Folds.Count - 1} folds with {Options.Optimizer} and batch size {Options.Training.EffectiveBatchSize}, " +
            $"and is scored on the held-out fold after its last epoch."));
        summary.Paragraph($"Held-out accuracy: {MeanAndDeviation(MeanAccuracy, AccuracyStandardDeviation)} (mean ± sample standard deviation over the folds).");
        if (MeanTestAccuracy is double testMean)
            summary.Paragraph($"Accuracy of the folds' models on the test images: {MeanAndDeviation(testMean, TestAccuracyStandardDeviation!.Value)}.");
        summary.Table(["Fold", "Train", "Validation", "Val loss", "Val accuracy", "Best val accuracy (epoch)", "Test accuracy", "Seconds"],
            Folds.Select(f => (IReadOnlyList<string>)
            [
                f.Fold.ToString(inv), f.TrainCount.ToString("N0", inv), f.ValidationCount.ToString("N0", inv),
                f.ValidationLoss.ToString("F4", inv), f.ValidationAccuracy.ToString("F4", inv),
                string.Create(inv, $"{f.BestValidation.Accuracy:F4} ({f.BestValidation.Epoch})"),
                f.Test?.Accuracy.ToString("F4", inv) ?? "", f.Seconds.ToString("F1", inv),
            ]));
        var curves = report.AddSection("Validation curves of the folds");
        curves.Paragraph("Curves that stay close together mean the score does not hang on which images were held out.");
        curves.Image(accuracyPlot ?? AccuracyPlot(), "Validation accuracy per epoch, one curve per fold");
        curves.Image(lossPlot ?? LossPlot(), "Validation loss per epoch, one curve per fold");
        return report;
    }

    /// <summary>Writes folds.csv, summary.json, val_accuracy.png, val_loss.png and report.html, each atomically.</summary>
    public void WriteOutputs(string directory)
    {
        var accuracy = AccuracyPlot();
        var loss = LossPlot();
        var report = Report(accuracy, loss);
        Directory.CreateDirectory(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, "folds.csv"), ToCsv());
        AtomicFile.WriteAllText(Path.Combine(directory, "summary.json"), SummaryJson());
        PngFile.Save(accuracy, Path.Combine(directory, "val_accuracy.png"));
        PngFile.Save(loss, Path.Combine(directory, "val_loss.png"));
        report.Save(Path.Combine(directory, "report.html"));
    }

    public static IReadOnlyList<string> OutputFiles { get; } = ["folds.csv", "summary.json", "val_accuracy.png", "val_loss.png", "report.html"];
}
