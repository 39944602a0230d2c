using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tailor.Augmentation;
using Tailor.Callbacks;
using Tailor.Common;
using Tailor.Data;
using Tailor.Models;
using Tailor.Reports;
using Tailor.Visualization;

namespace Tailor.Studies;

/// <summary>
/// What each ingredient of the record recipe adds: a ladder of runs from the notebook's CNN to the record's VGG-style
/// network and recipe, each adding one ingredient to the run before it, on the same images, seed and epochs; compared in
/// report.html, results.csv and results.md. Every rung trains through <see cref="TrainingRun"/>, as `tailor train` does.
/// </summary>
public sealed class RecordStudy(RecordStudyOptions options, TextWriter log, int verbose = 1)
{
    private readonly List<RecordRungResult> _results = [];

    public IReadOnlyList<RecordRungResult> Results => _results;

    public string ReportPath => Path.Combine(options.OutputDirectory, "report.html");

    public string ResultsPath => Path.Combine(options.OutputDirectory, "results.csv");

    public string TablePath => Path.Combine(options.OutputDirectory, "results.md");

    /// <summary>Every file the study writes.</summary>
    public static IReadOnlyList<string> OutputFiles { get; } =
        ["report.html", "results.csv", "results.md", "test-accuracy.png", "validation-accuracy.png", "augmentation.png"];

    /// <summary>Draws the sample of the options, then runs as the other Run.</summary>
    public void Run(FashionMnistDataset dataset, StudyProgress? progress = null, Action<RecordRungResult>? onRung = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        Run(FashionSample.Draw(dataset, options.Sample), progress, onRung, cancellationToken);
    }

    /// <summary>
    /// Runs every rung on <paramref name="sample"/>, then writes every file. With <paramref name="progress"/>
    /// (<see cref="Progress"/>), each finished rung is saved there and a rung saved before is loaded instead of
    /// trained. When <paramref name="cancellationToken"/> is cancelled, the rung in training stops after its current
    /// batch and an <see cref="OperationInterruptedException"/> says which rungs were kept; nothing is written.
    /// </summary>
    public void Run(FashionSample sample, StudyProgress? progress = null, Action<RecordRungResult>? onRung = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sample);
        options.Validate();
        _results.Clear();
        var rungs = RecordRungs.All;
        for (int i = 0; i < rungs.Count; i++)
        {
            var rung = rungs[i];
            // A rung that only evaluates uses the model of the rung before it, which is not kept: the two are
            // trained together and count as finished together.
            RecordRung? evaluation = i + 1 < rungs.Count && !rungs[i + 1].Trains() ? rungs[i + 1] : null;
            RecordRungResult? keptEvaluation = null;
            if (progress != null && TryLoad(progress, rung, out var kept)
                && (evaluation is not RecordRung e || TryLoad(progress, e, out keptEvaluation)))
            {
                Add(kept, onRung);
                if (keptEvaluation != null) { Add(keptEvaluation, onRung); i++; }
                continue;
            }
            string where = $"rung {rung.Number()} of {rungs.Count} ({rung.Title()})";
            if (cancellationToken.IsCancellationRequested) throw Interrupted($"before {where}", progress, cancellationToken);
            var (result, model) = Train(sample, rung, cancellationToken) ?? throw Interrupted($"while training {where}", progress, cancellationToken);
            if (evaluation is not RecordRung last)
            {
                progress?.Save(NameOf(rung), Payload(result));
                Add(result, onRung);
            }
            else
            {
                Add(result, onRung);
                var averaged = FlipAverage(sample, model, last, result, cancellationToken)
                    ?? throw Interrupted($"while evaluating rung {last.Number()} of {rungs.Count} ({last.Title()})", progress, cancellationToken);
                // Saved after the rung it evaluates, so that a rung found saved alone is trained again with it.
                progress?.Save(NameOf(rung), Payload(result));
                progress?.Save(NameOf(last), Payload(averaged));
                Add(averaged, onRung);
                i++;
            }
        }
        WriteOutputs(sample);
    }

    private void Add(RecordRungResult result, Action<RecordRungResult>? onRung)
    {
        if (_results.Count > 0)
            result = result with
            {
                ValidationDelta = result.ValidationAccuracy - _results[^1].ValidationAccuracy,
                TestDelta = result.TestAccuracy - _results[^1].TestAccuracy,
            };
        _results.Add(result);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Rung {result.Rung.Number()} {result.Rung.Title()}: validation accuracy {result.ValidationAccuracy:F4}, test accuracy {result.TestAccuracy:F4}" +
            $"{(result.TestDelta is double d ? $" ({d * 100:+0.00;-0.00} points)" : "")}, {result.Seconds:F1} s"));
        onRung?.Invoke(result);
    }

    private OperationInterruptedException Interrupted(string where, StudyProgress? progress, CancellationToken token) => new(
        progress == null
            ? $"Interrupted {where}; nothing was written. Run the same command again to redo the study."
            : $"Interrupted {where}; {progress.Finished.Count} finished rungs are kept in {progress.Directory}. Run the same command again to resume from them.",
        token);

    /// <summary>One rung trained as `tailor train` trains, scored on the validation and test images; null when cancelled part-way.</summary>
    private (RecordRungResult Result, Model Model)? Train(FashionSample sample, RecordRung rung, CancellationToken cancellationToken)
    {
        var training = rung.Training(options);
        log.WriteLine($"== Rung {rung.Number()} of {RecordRungs.All.Count}: {rung.Title()} ({rung.Setting(options)}), {options.Epochs} epochs");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        TrainingRun run;
        try { run = TrainingRun.Train(sample, training, [new InterruptOnCancellation(cancellationToken)], verbose); }
        catch (TrainingInterruptedException) when (cancellationToken.IsCancellationRequested) { return null; }
        clock.Stop();
        var history = run.History;
        var validation = new Evaluation(history["val_loss"][^1], history["val_accuracy"][^1]);
        var result = new RecordRungResult(rung, rung.Setting(options), run.Model.ParameterCount, history, validation, run.Test,
            clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
        return (result, run.Model);
    }

    /// <summary>The trained <paramref name="model"/> scored with flip averaging on the validation and test images; null when cancelled.</summary>
    private RecordRungResult? FlipAverage(FashionSample sample, Model model, RecordRung rung, RecordRungResult trained, CancellationToken cancellationToken)
    {
        log.WriteLine($"== Rung {rung.Number()} of {RecordRungs.All.Count}: {rung.Title()}: rung {trained.Rung.Number()}'s model, each image averaged with its mirror image");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Evaluation Score(LabeledTensors set) =>
            model.EvaluatePredictions(model.PredictFlipAveraged(TrainingRun.Inputs(set, model), 256, cancellationToken), set.OneHot);
        Evaluation validation, test;
        try { (validation, test) = (Score(sample.Validation), Score(sample.Test)); }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return null; }
        clock.Stop();
        return new RecordRungResult(rung, rung.Setting(options), trained.Parameters, null, validation, test,
            clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>
    /// The progress of a record study in <paramref name="directory"/>, keyed by everything its rungs depend on: the
    /// epochs, seed, recipe and images. Throws an ArgumentException naming what differs when the folder holds rungs of another run.
    /// </summary>
    public static StudyProgress Progress(string directory, RecordStudyOptions options, FashionSample sample)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sample);
        var inv = CultureInfo.InvariantCulture;
        return StudyProgress.Open(directory, "rungs",
        [
            new("--epochs", options.Epochs.ToString(inv)),
            new("--seed", options.Seed.ToString(inv)),
            new("batch size", options.BatchSize.ToString(inv)),
            new("rungs", string.Join("; ", RecordRungs.All.Select(r => r.Setting(options)))),
            new("images (--data, --train-images)", StudyProgress.Fingerprint(sample.Train, sample.Validation, sample.Test)),
        ]);
    }

    private static string NameOf(RecordRung rung) => $"rung-{rung.Number()}-{rung.CliName()}";

    private static Dictionary<string, object?> Payload(RecordRungResult r) => new()
    {
        ["rung"] = r.Rung.CliName(),
        ["parameters"] = r.Parameters,
        ["seconds"] = r.Seconds,
        ["cpu_seconds"] = r.CpuSeconds,
        ["validation"] = new Dictionary<string, double> { ["loss"] = r.Validation.Loss, ["accuracy"] = r.Validation.Accuracy },
        ["test"] = new Dictionary<string, double> { ["loss"] = r.Test.Loss, ["accuracy"] = r.Test.Accuracy },
        ["history"] = r.History is null ? null : StudyProgress.HistoryPayload(r.History),
    };

    private bool TryLoad(StudyProgress progress, RecordRung rung, out RecordRungResult result) =>
        progress.TryLoad(NameOf(rung), root =>
        {
            if (root.GetProperty("rung").GetString() != rung.CliName()) throw new FormatException($"it holds rung {root.GetProperty("rung").GetString()}, not {rung.CliName()}");
            static Evaluation Read(JsonElement e) => new(StudyProgress.ReadDouble(e.GetProperty("loss")), StudyProgress.ReadDouble(e.GetProperty("accuracy")));
            var history = root.GetProperty("history");
            return new RecordRungResult(rung, rung.Setting(options), root.GetProperty("parameters").GetInt64(),
                history.ValueKind == JsonValueKind.Null ? null : StudyProgress.ReadHistory(history),
                Read(root.GetProperty("validation")), Read(root.GetProperty("test")),
                StudyProgress.ReadDouble(root.GetProperty("seconds")), StudyProgress.ReadDouble(root.GetProperty("cpu_seconds")));
        }, out result);

    private void WriteOutputs(FashionSample sample)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var report = new HtmlReport("From the notebook's CNN to the record: what each ingredient adds");
        report.AddSection("What this study is").Paragraph(RecordNarrative.Introduction(
            options.Epochs, options.BatchSize, sample.Train.Count, sample.Validation.Count, sample.Test.Count, options.Seed));

        var ladder = report.AddSection("The ladder");
        ladder.Table(TableHeader, _results.Select(Row), $"Each rung adds one ingredient to the rung above it; test accuracy on the {sample.Test.Count:N0} test images.");
        ladder.Paragraph(RecordNarrative.Table);
        ladder.Paragraph(RecordNarrative.Findings(_results, sample.Test.Count));
        ladder.Image(Save(LadderChart.Render("Test accuracy per rung", "Test accuracy",
            [.. _results.Select(r => $"{r.Rung.Number()}. {r.Rung.Title()}")], [.. _results.Select(r => r.TestAccuracy)]), "test-accuracy.png"),
            "Test accuracy of each rung; a red bar is lower than the one before it.");
        ladder.Image(Save(TrainingCurves.Overlay("Validation accuracy", "Accuracy",
            [.. _results.Where(r => r.History != null).Select(r => new NamedSeries($"{r.Rung.Number()}. {r.Rung.CliName()}", r.History!["val_accuracy"]))]),
            "validation-accuracy.png"), "Validation accuracy after each epoch, one curve per rung that trains.");

        var ingredients = report.AddSection("The ingredients, one by one");
        foreach (var r in _results)
        {
            ingredients.Paragraph($"{r.Rung.Number()}. {r.Rung.Title()} ({r.Setting}). {RecordNarrative.Ingredient(r.Rung, options)} {RecordNarrative.Outcome(r)}");
            if (r.Rung == RecordRung.Augmentation)
            {
                var pipeline = AugmentationPipeline.Parse(r.Rung.Training(options).Augment!);
                var images = sample.Train.Images.Slice(0, Math.Min(6, sample.Train.Count));
                ingredients.Image(Save(AugmentationGrid.Render(images, pipeline, variants: 7, seed: options.Seed), "augmentation.png"),
                    $"Training images (left) and seven versions of each under {pipeline}, as the network of rungs {RecordRung.Augmentation.Number()} and {RecordRung.FlipAveraging.Number()} sees them.");
            }
        }
        report.AddSection("What to take from it").Paragraph(RecordNarrative.Conclusion);

        AtomicFile.WriteAllText(ResultsPath, ToCsv());
        AtomicFile.WriteAllText(TablePath, ToMarkdown());
        report.Save(ReportPath);
        log.WriteLine($"Wrote {Path.GetFileName(ReportPath)}, {Path.GetFileName(ResultsPath)} and {Path.GetFileName(TablePath)}.");
    }

    private static readonly string[] TableHeader =
        ["Rung", "What it adds", "Parameters", "Epochs", "Validation accuracy", "Δ validation", "Test accuracy", "Δ test", "Seconds", "CPU seconds"];

    private static IReadOnlyList<string> Row(RecordRungResult r) =>
    [
        r.Rung.Number().ToString(CultureInfo.InvariantCulture), r.Rung.Title(), r.Parameters.ToString("N0", CultureInfo.InvariantCulture),
        r.Epochs.ToString(CultureInfo.InvariantCulture), F(r.ValidationAccuracy, 4), Delta(r.ValidationDelta), F(r.TestAccuracy, 4), Delta(r.TestDelta),
        F(r.Seconds, 1), F(r.CpuSeconds, 1),
    ];

    private static string Delta(double? d) => d is double v ? v.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture) : "";

    /// <summary>One row per rung, numbers in round-trip precision; the deltas of the first rung are empty.</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder("rung,name,setting,parameters,epochs,val_loss,val_accuracy,delta_val_accuracy,test_loss,test_accuracy,delta_test_accuracy,seconds,cpu_seconds\n");
        foreach (var r in _results)
            csv.Append(string.Create(CultureInfo.InvariantCulture,
                $"{r.Rung.Number()},{r.Rung.CliName()},\"{r.Setting}\",{r.Parameters},{r.Epochs},{r.Validation.Loss:R},{r.ValidationAccuracy:R},{r.ValidationDelta:R},") +
                string.Create(CultureInfo.InvariantCulture, $"{r.Test.Loss:R},{r.TestAccuracy:R},{r.TestDelta:R},{r.Seconds:F3},{r.CpuSeconds:F3}\n"));
        return csv.ToString();
    }

    /// <summary>The report's table as Markdown.</summary>
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append("| ").Append(string.Join(" | ", TableHeader)).Append(" |\n");
        md.Append('|').Append(string.Concat(TableHeader.Select((_, i) => i < 2 ? "---|" : "---:|"))).Append('\n');
        foreach (var r in _results) md.Append("| ").Append(string.Join(" | ", Row(r))).Append(" |\n");
        return md.ToString();
    }

    private byte[] Save(byte[] png, string name) => PngFile.Save(png, Path.Combine(options.OutputDirectory, name));

    private static string F(double v, int digits) => v.ToString("F" + digits, CultureInfo.InvariantCulture);
}
