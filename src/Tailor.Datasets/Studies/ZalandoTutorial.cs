using System.Globalization;
using Tailor.Callbacks;
using Tailor.Common;
using Tailor.Data;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Pooling;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Reports;
using Tailor.Tensors;
using Tailor.Visualization;

namespace Tailor.Studies;

/// <summary>One model's line in the tutorial's final table.</summary>
public sealed record TutorialModelResult(NotebookModel Model, long Parameters, int Epochs, double Seconds, double TestLoss, double TestAccuracy);

/// <summary>
/// The Zalando Fashion-MNIST notebook end to end: the data, the dense baseline, the CNN, the CNN with
/// dropout, a 1D convnet reading images as sequences of rows, a prediction and the feature maps, written as one self-contained report.html with the
/// PNGs beside it.
/// </summary>
public sealed class ZalandoTutorial(TutorialOptions options, TextWriter log, int verbose = 1)
{
    private readonly List<TutorialModelResult> _results = [];
    private HtmlReport _report = new("Fashion-MNIST with Tailor");
    private CancellationToken _cancellation;

    public IReadOnlyList<TutorialModelResult> Results => _results;

    public string ReportPath => Path.Combine(options.OutputDirectory, "report.html");

    /// <summary>
    /// Runs every section and writes the report. When <paramref name="cancellationToken"/> is cancelled, the
    /// model in training stops after its current batch and an <see cref="OperationInterruptedException"/>
    /// says which section was cut short; the report is then not written.
    /// </summary>
    public void Run(FashionMnistDataset dataset, DataLocation location, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var sampleOptions = options.Sample ?? ((options.Full ? FashionSampleOptions.Full : FashionSampleOptions.Notebook) with { Seed = options.SampleSeed });
        var sample = FashionSample.Draw(dataset, sampleOptions);
        if (options.ExampleIndex >= sample.Test.Count)
            throw new ArgumentException($"--example must be below the {sample.Test.Count:N0} test images, received {options.ExampleIndex}.");
        _cancellation = cancellationToken;
        Directory.CreateDirectory(options.OutputDirectory);
        _report = new HtmlReport("Fashion-MNIST with Tailor");
        _results.Clear();

        _report.AddSection("What this report is").Paragraph(TutorialNarrative.Introduction);
        Step("the data section");
        DataSection(dataset, location, sample);
        var dense = ModelSection(sample, NotebookModel.Dense, options.Dense, TutorialNarrative.Dense);
        var cnn = ModelSection(sample, NotebookModel.Cnn, options.Cnn, TutorialNarrative.Cnn);
        var dropout = ModelSection(sample, NotebookModel.CnnDropout, options.CnnDropout, TutorialNarrative.CnnDropout);
        var conv1d = ModelSection(sample, NotebookModel.Conv1D, options.Conv1D, TutorialNarrative.Conv1D);
        Step("the prediction section");
        PredictionSection(sample, dropout);
        Step("the confusion section");
        // The best model by test accuracy: reported, not chosen for anything, so the test images decide nothing.
        TrainingRun[] runs = [dense, cnn, dropout, conv1d];
        ConfusionSection(sample, runs[Enumerable.Range(0, runs.Length).MaxBy(i => _results[i].TestAccuracy)]);
        Step("the feature maps");
        FeatureMapSection(sample, cnn);
        Step("the summary");
        SummarySection();
        _report.Save(ReportPath);
        log.WriteLine($"Wrote {Path.GetFileName(ReportPath)} and its images.");
    }

    /// <summary>Throws the tutorial's interruption when cancelled before <paramref name="next"/>.</summary>
    private void Step(string next)
    {
        if (_cancellation.IsCancellationRequested) throw Interrupted($"before {next}");
    }

    private OperationInterruptedException Interrupted(string where) => new(
        $"Interrupted {where}; report.html was not written. Run the same command again to redo the tutorial.", _cancellation);

    private void DataSection(FashionMnistDataset dataset, DataLocation location, FashionSample sample)
    {
        log.WriteLine("== The data");
        var section = _report.AddSection("The data");
        section.Paragraph(TutorialNarrative.Data($"{location.Directory} ({location.Description})", dataset.Train.Count, dataset.Test.Count,
            sample.Train.Count, sample.Validation.Count, sample.Test.Count));
        section.Table(["Label", "Class", "Train", "Test"],
            ClassCounts.Of(dataset).Select(c => (IReadOnlyList<string>)[c.Label.ToString(), c.Name, N(c.Train), N(c.Test)]),
            "Images per class in the full files");

        int first = 0;
        var image = sample.Train.Images.Slice(first, 1);
        int label = sample.Train.Labels[first];
        section.Image(Save(ImageRendering.Image(image, $"{FashionMnist.ClassNames[label]} (label {label})"), "data-sample.png"),
            $"The first training image of the sample: a {FashionMnist.ClassNames[label]}, 28 x 28 pixels.");
        var (examples, captions) = dataset.Train.ExamplesPerClass(8, FashionMnist.ClassNames);
        section.Image(Save(ImageRendering.Grid(examples, captions, columns: 8, title: "Eight training images per class"), "data-grid.png"),
            "Eight examples of each class, one row per class.");
        section.Paragraph(TutorialNarrative.Preprocessing);
        var oneHot = sample.Train.OneHot.Slice(first, 1).Span.ToArray();
        section.Preformatted(
            $"images: {sample.Train.Images.ShapeString} float32 in [0, 1] (was bytes 0-255)\n" +
            $"labels: ({sample.Train.Count},) integers -> one-hot {sample.Train.OneHot.ShapeString}\n" +
            $"label {label} ({FashionMnist.ClassNames[label]}) -> [{string.Join(", ", oneHot.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))}]");
    }

    private TrainingRun ModelSection(FashionSample sample, NotebookModel kind, (int Explore, int Keep) epochs, string narrative)
    {
        log.WriteLine($"== {kind.Title()}: {epochs.Explore} epochs, keeping the weights after {epochs.Keep}");
        var snapshot = new WeightSnapshot(epochs.Keep);
        var options = new TrainingOptions { Model = kind, Epochs = epochs.Explore, Seed = SeedFor(kind) };
        string title = InSentence(kind);
        Step($"training the {title}");
        TrainingRun run;
        try { run = TrainingRun.Train(sample, options, [snapshot, new InterruptOnCancellation(_cancellation)], verbose); }
        catch (TrainingInterruptedException) { throw Interrupted($"while training the {title}"); }

        // The kept model: the snapshot is exactly what training `Keep` epochs from scratch gives.
        run.Model.SetWeights(snapshot.Weights!);
        var test = run.Model.Evaluate(TrainingRun.Inputs(sample.Test, kind), sample.Test.OneHot, batchSize: 256);
        double seconds = run.History.EpochSeconds.Take(epochs.Keep).Sum();
        _results.Add(new TutorialModelResult(kind, run.Model.ParameterCount, epochs.Keep, seconds, test.Loss, test.Accuracy));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kind.Title()} after {epochs.Keep} epochs: test loss {test.Loss:F4}, test accuracy {test.Accuracy:F4}"));

        string file = kind.CliName();
        var section = _report.AddSection(kind.Title());
        section.Paragraph(narrative);
        section.Preformatted(run.Model.Summary());
        section.Paragraph(TutorialNarrative.LossAndOptimizer(kind.DefaultBatchSize(), sample.Train.Count));
        section.Image(Save(run.LossPlot(), $"{file}-loss.png"), $"Loss per epoch over {epochs.Explore} epochs: training as dots, validation as a line.");
        section.Image(Save(run.AccuracyPlot(), $"{file}-accuracy.png"), $"Accuracy per epoch over {epochs.Explore} epochs.");
        var best = BestEpoch(run.History["val_loss"]);
        section.Paragraph(TutorialNarrative.ChoosingEpochs(best + 1, run.History["val_loss"][best], epochs.Keep, epochs.Explore));
        section.Table(["Epochs kept", "Training seconds", "Test loss", "Test accuracy"],
            [[epochs.Keep.ToString(), F(seconds, 1), F(test.Loss, 4), F(test.Accuracy, 4)]],
            $"{kind.Title()} on the {sample.Test.Count:N0} test images");
        return run;
    }

    /// <summary>A distinct, fixed seed per model, so each model's run repeats on its own.</summary>
    private ulong SeedFor(NotebookModel kind) => options.Seed * 10 + (ulong)kind;

    private void PredictionSection(FashionSample sample, TrainingRun run)
    {
        log.WriteLine("== A prediction");
        int index = options.ExampleIndex;
        var image = sample.Test.Images.Slice(index, 1);
        var probabilities = run.Model.Predict(TrainingRun.Inputs(new LabeledTensors(image, [sample.Test.Labels[index]], sample.Test.OneHot.Slice(index, 1)), run.Options.Model));
        int predicted = Metrics.Accuracy.ArgMax(probabilities.Span);
        int truth = sample.Test.Labels[index];
        var section = _report.AddSection("Making a prediction");
        section.Paragraph(TutorialNarrative.Prediction(InSentence(run.Options.Model)));
        section.Image(Save(ImageRendering.Image(image, $"true: {FashionMnist.ClassNames[truth]}"), "prediction-image.png"), $"Test image {index}.");
        section.Image(Save(ClassProbabilityChart.Render(FashionMnist.ClassNames, probabilities.Span,
            $"Predicted: {FashionMnist.ClassNames[predicted]} ({probabilities.Span[predicted]:P1})", truth), "prediction.png"),
            "The probability the model gives each class; the highest is its prediction.");
        section.Table(["True class", "Predicted class", "Probability"],
            [[FashionMnist.ClassNames[truth], FashionMnist.ClassNames[predicted], F(probabilities.Span[predicted], 4)]]);
    }

    private void ConfusionSection(FashionSample sample, TrainingRun run)
    {
        var kind = run.Options.Model;
        log.WriteLine($"== Which classes the {InSentence(kind)} confuses");
        var analysis = ClassificationAnalysis.Of(run.Model, TrainingRun.Inputs(sample.Test, kind), sample.Test);
        var section = _report.AddSection("Which classes get confused");
        section.Paragraph(TutorialNarrative.Confusion(InSentence(kind)));
        section.Preformatted(analysis.Report());
        section.Image(Save(analysis.Heatmap($"{kind.Title()}: confusion matrix"), "confusion.png"),
            $"Rows: the true class of the {sample.Test.Count:N0} test images; columns: the class the model gave. Shading: the share of the row.");
        section.Paragraph("Most confused: " + string.Join("; ", analysis.MostConfused(3)) + ".");
        if (analysis.ConfusedExamples() is { } examples)
            section.Image(Save(examples, "confused.png"), "Test images of the three most confused pairs: true class > predicted class.");
    }

    private void FeatureMapSection(FashionSample sample, TrainingRun run)
    {
        log.WriteLine("== Feature maps");
        var section = _report.AddSection("Inside the convnet: feature maps");
        section.Paragraph(TutorialNarrative.FeatureMaps);
        var image = sample.Test.Images.Slice(options.ExampleIndex, 1);
        foreach (var (layer, output) in run.Model.GetActivations(image))
        {
            if (layer is not (Conv2D or MaxPooling2D)) continue;
            string name = layer.Name!;
            section.Image(Save(FeatureMaps.Render(output, $"{name} {Layers.Layer.FormatBatchShape(layer.OutputShape)}"), $"featuremaps-{name}.png"),
                $"{name} ({layer.TypeName}): {layer.OutputShape[^1]} channels of {layer.OutputShape[0]} x {layer.OutputShape[1]}.");
        }
    }

    private void SummarySection()
    {
        var section = _report.AddSection("The models side by side");
        section.Table(["Model", "Parameters", "Epochs", "Seconds", "Test loss", "Test accuracy"],
            _results.Select(r => (IReadOnlyList<string>)[r.Model.Title(), N(r.Parameters), r.Epochs.ToString(), F(r.Seconds, 1), F(r.TestLoss, 4), F(r.TestAccuracy, 4)]));
        section.Paragraph(TutorialNarrative.Conclusion);
    }

    private byte[] Save(byte[] png, string name) => PngFile.Save(png, Path.Combine(options.OutputDirectory, name));

    /// <summary>The model's title inside a sentence: "the convolutional network", not "the Convolutional network".</summary>
    private static string InSentence(NotebookModel kind) => char.ToLowerInvariant(kind.Title()[0]) + kind.Title()[1..];

    private static int BestEpoch(IReadOnlyList<double> valLoss)
    {
        int best = 0;
        for (int i = 1; i < valLoss.Count; i++) if (valLoss[i] < valLoss[best]) best = i;
        return best;
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
    private static string F(double v, int digits) => v.ToString("F" + digits, CultureInfo.InvariantCulture);
}
