using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using Tailor.Augmentation;
using Tailor.Callbacks;
using Tailor.Common;
using Tailor.Data;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Regularizers;
using Tailor.Reports;
using Tailor.Visualization;

namespace Tailor.Studies;

/// <summary>
/// The notebook's CNN trained five ways on the same sample from the same initial weights (no regularisation,
/// dropout, L2 on the kernels, augmentation, early stopping), compared in report.html and results.csv.
/// </summary>
public sealed class RegularizationStudy(RegularizationStudyOptions options, TextWriter log, int verbose = 1)
{
    private const int CurveWidth = 420, CurveHeight = 310;
    private readonly List<RegularizationResult> _results = [];

    public IReadOnlyList<RegularizationResult> Results => _results;

    public string ReportPath => Path.Combine(options.OutputDirectory, "report.html");

    public string ResultsPath => Path.Combine(options.OutputDirectory, "results.csv");

    /// <summary>The files written besides the report and the CSV.</summary>
    public static IReadOnlyList<string> ImageFiles { get; } =
        [.. RegularizationVariants.All.Select(v => $"curves-{v.CliName()}.png"), "validation-loss.png", "augmentation.png"];

    public void Run(FashionMnistDataset dataset, CancellationToken cancellationToken = default)
    {
        options.Validate();
        Run(FashionSample.Draw(dataset, options.Sample), cancellationToken);
    }

    /// <summary>
    /// Trains the five variants on <paramref name="sample"/>, then writes every file; nothing is written when
    /// training fails. When <paramref name="cancellationToken"/> is cancelled, the variant in training stops
    /// after its current batch and an <see cref="OperationInterruptedException"/> names it; nothing is written.
    /// </summary>
    public void Run(FashionSample sample, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var augmentation = options.CreateAugmentation();
        _results.Clear();
        var variants = RegularizationVariants.All;
        for (int i = 0; i < variants.Count; i++)
        {
            string where = $"variant {i + 1} of {variants.Count} ({variants[i].Title().ToLowerInvariant()})";
            if (cancellationToken.IsCancellationRequested) throw Interrupted($"before {where}", cancellationToken);
            _results.Add(Train(sample, variants[i], augmentation, cancellationToken) ?? throw Interrupted($"while training {where}", cancellationToken));
        }
        WriteOutputs(sample, augmentation);
    }

    private static OperationInterruptedException Interrupted(string where, CancellationToken token) =>
        new($"Interrupted {where}; nothing was written. Run the same command again to redo the study.", token);

    /// <summary>One variant trained and scored; null when <paramref name="cancellationToken"/> stopped it part-way.</summary>
    private RegularizationResult? Train(FashionSample sample, RegularizationVariant variant, AugmentationPipeline augmentation, CancellationToken cancellationToken)
    {
        string setting = Setting(variant, augmentation);
        log.WriteLine($"== {variant.Title()} ({setting}): {options.Epochs} epochs");
        var kind = variant == RegularizationVariant.Dropout ? NotebookModel.CnnDropout : NotebookModel.Cnn;
        var model = NotebookModels.Create(kind, options.Seed, variant == RegularizationVariant.L2 ? Regularizer.L2Penalty(options.L2) : null);
        model.Compile(Optimizers.Optimizer.Parse("rmsprop"), new CategoricalCrossentropy(), "accuracy");
        var earlyStopping = variant == RegularizationVariant.EarlyStopping
            ? new EarlyStopping("val_loss", patience: options.Patience, restoreBestWeights: true) : null;

        var clock = Stopwatch.StartNew();
        var history = model.Fit(sample.Train.Images, sample.Train.OneHot, options.Epochs, options.BatchSize,
            validationData: (sample.Validation.Images, sample.Validation.OneHot),
            callbacks: earlyStopping == null ? [new InterruptOnCancellation(cancellationToken)] : [earlyStopping, new InterruptOnCancellation(cancellationToken)],
            seed: options.Seed + 1, verbose: verbose,
            augmentation: variant == RegularizationVariant.Augmentation ? augmentation : null);
        clock.Stop();
        if (model.Interruption != null) return null;
        var test = model.Evaluate(sample.Test.Images, sample.Test.OneHot, batchSize: 256);
        if (earlyStopping != null) log.WriteLine(earlyStopping.Describe(history.Epochs.Count));

        int kept = earlyStopping is { RestoredBestWeights: true } ? earlyStopping.BestEpoch : history.Epochs.Count;
        int? stopped = earlyStopping is { StoppedEpoch: > 0 } ? earlyStopping.StoppedEpoch : null;
        double penalty = model.Parameters.Sum(p => p.Regularizer?.Penalty(p.Value.Span) ?? 0);
        var result = new RegularizationResult(variant, setting, history, test, kept, stopped, KernelNorm(model), penalty, clock.Elapsed.TotalSeconds);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{variant.Title()}: test accuracy {test.Accuracy:F4}, test loss {test.Loss:F4}, gap {result.Gap:F4} (epoch {kept})"));
        return result;
    }

    /// <summary>The square root of the sum of the squares of every kernel weight (biases excluded, as the L2 penalty excludes them).</summary>
    public static double KernelNorm(Model model) =>
        Math.Sqrt(model.Parameters.Where(p => p.Name == "kernel").Sum(p => (double)TensorPrimitives.SumOfSquares(p.Value.Span)));

    private string Setting(RegularizationVariant variant, AugmentationPipeline augmentation) => variant switch
    {
        RegularizationVariant.None => "cnn",
        RegularizationVariant.Dropout => "cnn-dropout, rate 0.5",
        RegularizationVariant.L2 => string.Create(CultureInfo.InvariantCulture, $"l2({options.L2:G3}) on every kernel"),
        RegularizationVariant.Augmentation => augmentation.ToString(),
        _ => $"val_loss, patience {options.Patience}, restore best weights",
    };

    private void WriteOutputs(FashionSample sample, AugmentationPipeline augmentation)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var report = new HtmlReport("Regularising the Fashion-MNIST CNN");
        var r = _results.ToDictionary(x => x.Variant);
        report.AddSection("What this study is").Paragraph(RegularizationNarrative.Introduction(
            options.Epochs, options.BatchSize, sample.Train.Count, sample.Validation.Count, sample.Test.Count, sample.Options.Seed, options.Seed));

        var results = report.AddSection("Results");
        results.Table(["Variant", "Setting", "Epochs run", "Kept epoch", "Training loss", "Validation loss", "Gap", "Test loss", "Test accuracy", "Kernel norm", "Seconds"],
            _results.Select(x => (IReadOnlyList<string>)[x.Variant.Title(), x.Setting, x.EpochsRun.ToString(CultureInfo.InvariantCulture),
                x.KeptEpoch.ToString(CultureInfo.InvariantCulture), F(x.TrainLoss, 4), F(x.ValidationLoss, 4), F(x.Gap, 4), F(x.TestLoss, 4),
                F(x.TestAccuracy, 4), F(x.KernelNorm, 2), F(x.Seconds, 1)]),
            $"The five runs on the {sample.Test.Count:N0} test images");
        results.Paragraph(RegularizationNarrative.Table);
        results.Paragraph(RegularizationNarrative.Findings(_results, sample.Test.Count));
        var overlay = TrainingCurves.Overlay("Validation loss", "Loss",
            _results.Select(x => new NamedSeries(x.Variant.Title(), x.History["val_loss"])).ToList());
        results.Image(Save(overlay, "validation-loss.png"), "Validation loss per epoch, one curve per variant.");
        results.Paragraph(RegularizationNarrative.Overlay);

        var curves = report.AddSection("The curves side by side");
        curves.Paragraph(RegularizationNarrative.Curves);
        var axes = CurveAxes.Spanning(_results.SelectMany(x => new[] { x.History["loss"], x.History["val_loss"] }));
        axes = axes with { Epochs = options.Epochs };
        foreach (var x in _results)
            curves.Image(Save(TrainingCurves.Loss(x.History["loss"], x.History["val_loss"], CurveWidth, CurveHeight, x.Variant.Title(), axes),
                $"curves-{x.Variant.CliName()}.png"), $"{x.Variant.Title()}: training loss (dots) and validation loss (line).");

        foreach (var x in _results)
        {
            var section = report.AddSection(x.Variant.Title());
            section.Paragraph(x.Variant switch
            {
                RegularizationVariant.None => RegularizationNarrative.None(options.Epochs, NotebookModels.Create(NotebookModel.Cnn).ParameterCount, sample.Train.Count),
                RegularizationVariant.Dropout => RegularizationNarrative.Dropout,
                RegularizationVariant.L2 => RegularizationNarrative.L2(options.L2, Math.Pow(KernelNorm(NotebookModels.Create(NotebookModel.Cnn, options.Seed)), 2)),
                RegularizationVariant.Augmentation => RegularizationNarrative.Augmentation(augmentation.ToString()),
                _ => RegularizationNarrative.EarlyStopping(options.Patience),
            });
            if (x.Variant == RegularizationVariant.Augmentation)
            {
                var images = sample.Train.Images.Slice(0, Math.Min(6, sample.Train.Count));
                section.Image(Save(AugmentationGrid.Render(images, augmentation, variants: 7, seed: options.Seed), "augmentation.png"),
                    "Training images (left) and seven augmented versions of each, as the network sees them.");
            }
            section.Paragraph(Outcome(x, r[RegularizationVariant.None], options.Epochs));
        }
        report.AddSection("What to take from it").Paragraph(RegularizationNarrative.Conclusion);

        AtomicFile.WriteAllText(ResultsPath, ToCsv());
        report.Save(ReportPath);
        log.WriteLine($"Wrote {Path.GetFileName(ReportPath)} and {Path.GetFileName(ResultsPath)}.");
    }

    /// <summary>This run in numbers, against the unregularised one.</summary>
    private static string Outcome(RegularizationResult x, RegularizationResult none, int epochs)
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, 
            $"In this run: test accuracy {x.TestAccuracy:F4}, test loss {x.TestLoss:F4}; at epoch {x.KeptEpoch} training loss {x.TrainLoss:F4}, " +
            $"validation loss {x.ValidationLoss:F4}, a gap of {x.Gap:F4}; kernel norm {x.KernelNorm:F2}."));
        if (x.Variant != RegularizationVariant.None)
            text.Append(string.Create(CultureInfo.InvariantCulture, $" Without regularisation: test accuracy {none.TestAccuracy:F4}, gap {none.Gap:F4}, kernel norm {none.KernelNorm:F2}."));
        if (x.Variant == RegularizationVariant.L2)
            text.Append(string.Create(CultureInfo.InvariantCulture, $" Of each final loss, {x.Penalty:F4} is the penalty; the rest is cross-entropy."));
        if (x.Variant == RegularizationVariant.EarlyStopping)
            text.Append(x.StoppedEpoch is int stopped
                ? string.Create(CultureInfo.InvariantCulture, $" Training stopped after epoch {stopped} of the {epochs} allowed and kept the weights of epoch {x.KeptEpoch}, the one with the lowest validation loss.")
                : string.Create(CultureInfo.InvariantCulture, $" Early stopping did not trigger within the {epochs} epochs; the weights of epoch {x.KeptEpoch}, the one with the lowest validation loss, were kept."));
        return text.ToString();
    }

    /// <summary>One row per variant, numbers in round-trip precision.</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder("variant,setting,epochs_run,stopped_epoch,kept_epoch,train_loss,val_loss,gap,test_loss,test_accuracy,kernel_norm,penalty,seconds\n");
        foreach (var x in _results)
            csv.Append(string.Create(CultureInfo.InvariantCulture, $"{x.Variant.CliName()},\"{x.Setting}\",{x.EpochsRun},{x.StoppedEpoch},{x.KeptEpoch},{x.TrainLoss:R},{x.ValidationLoss:R},{x.Gap:R},") +
                string.Create(CultureInfo.InvariantCulture, $"{x.TestLoss:R},{x.TestAccuracy:R},{x.KernelNorm:R},{x.Penalty:R},{x.Seconds:F3}\n"));
        return csv.ToString();
    }

    private byte[] Save(byte[] png, string name) => PngFile.Save(png, Path.Combine(options.OutputDirectory, name));

    private static string F(double v, int digits) => v.ToString("F" + digits, CultureInfo.InvariantCulture);
}
