using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tailor.Callbacks;
using Tailor.Common;
using Tailor.Data;
using Tailor.Initializers;
using Tailor.Kernels;
using Tailor.Layers.Core;
using Tailor.Layers.Normalization;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Reports;
using Tailor.Visualization;

namespace Tailor.Studies;

/// <summary>The three deep networks of the gradient study.</summary>
public enum GradientVariant
{
    /// <summary>Sigmoid hidden layers with Glorot-uniform weights: the gradients vanish towards the input.</summary>
    SigmoidGlorot,
    /// <summary>ReLU hidden layers with He-uniform weights: the remedy by activation and initialisation.</summary>
    ReluHe,
    /// <summary>Sigmoid hidden layers, each after a BatchNormalization: the remedy by normalisation.</summary>
    SigmoidBatchNorm,
}

/// <summary>One variant's run: its model, history, diagnostics and test figures.</summary>
public sealed record GradientStudyRun(GradientVariant Variant, Sequential Model, History History, GradientDiagnostics Diagnostics,
    Evaluation Test, double Seconds, double FirstLayerGradient, double LastLayerGradient)
{
    /// <summary>Last layer's mean gradient norm over the first's: how many times smaller the first layer's gradients are.</summary>
    public double Ratio => LastLayerGradient / FirstLayerGradient;
}

/// <summary>
/// Vanishing gradients, shown: a deep (10 hidden layers) MLP with sigmoid and Glorot init, the same
/// with ReLU and He init, and sigmoid with BatchNormalization, trained for the same epochs with the
/// same optimizer on the Fashion-MNIST sample while <see cref="GradientDiagnostics"/> records each
/// layer's gradient norm. Writes report.html, a gradient-norm plot per network, the accuracy curves
/// and gradients.json.
/// </summary>
public sealed class GradientStudy(GradientStudyOptions options, TextWriter log, int verbose = 1)
{
    private readonly List<GradientStudyRun> _runs = [];

    public IReadOnlyList<GradientStudyRun> Runs => _runs;

    public string ReportPath => Path.Combine(options.OutputDirectory, "report.html");

    public static string Title(GradientVariant variant) => variant switch
    {
        GradientVariant.SigmoidGlorot => "Sigmoid + Glorot",
        GradientVariant.ReluHe => "ReLU + He",
        _ => "Sigmoid + BatchNorm",
    };

    public static string FileName(GradientVariant variant) => variant switch
    {
        GradientVariant.SigmoidGlorot => "sigmoid-glorot",
        GradientVariant.ReluHe => "relu-he",
        _ => "sigmoid-batchnorm",
    };

    /// <summary>A built deep MLP of the variant over flat 784-pixel inputs, uncompiled.</summary>
    public static Sequential CreateModel(GradientVariant variant, int hiddenLayers, int units, ulong seed)
    {
        var model = new Sequential(name: FileName(variant), seed: seed);
        for (int i = 0; i < hiddenLayers; i++)
        {
            switch (variant)
            {
                case GradientVariant.SigmoidGlorot:
                    model.Add(new Dense(units, Activation.Sigmoid, kernelInitializer: Initializer.GlorotUniform));
                    break;
                case GradientVariant.ReluHe:
                    model.Add(new Dense(units, Activation.Relu, kernelInitializer: Initializer.HeUniform));
                    break;
                default:
                    // The bias would be cancelled by the normalisation's mean; beta takes its place. Momentum 0.9
                    // rather than Keras's 0.99: in a run of a few hundred steps the moving statistics, which
                    // inference uses, would otherwise still be far from the data's.
                    model.Add(new Dense(units, useBias: false, kernelInitializer: Initializer.GlorotUniform));
                    model.Add(new BatchNormalization(momentum: 0.9f));
                    model.Add(new ActivationLayer(Activation.Sigmoid));
                    break;
            }
        }
        model.Add(new Dense(10, Activation.Softmax));
        model.Build(784);
        return model;
    }

    /// <summary>
    /// Trains the three networks and writes the report. When <paramref name="cancellationToken"/> is cancelled,
    /// the network in training stops after its current batch and an <see cref="OperationInterruptedException"/>
    /// names it; the report is then not written.
    /// </summary>
    public void Run(FashionMnistDataset dataset, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var sample = FashionSample.Draw(dataset, (options.Sample ?? FashionSampleOptions.Notebook) with { Seed = options.Seed });
        Directory.CreateDirectory(options.OutputDirectory);
        _runs.Clear();
        var x = Flat(sample.Train);
        var validation = (Flat(sample.Validation), sample.Validation.OneHot);
        var probe = Flat(sample.Validation).Slice(0, Math.Min(256, sample.Validation.Count));
        int steps = (sample.Train.Count + options.BatchSize - 1) / options.BatchSize;
        int every = Math.Max(1, steps / options.RecordsPerEpoch);

        var variants = Enum.GetValues<GradientVariant>();
        foreach (var variant in variants)
        {
            string where = $"network {Array.IndexOf(variants, variant) + 1} of {variants.Length} ({Title(variant)})";
            if (cancellationToken.IsCancellationRequested) throw Interrupted($"before {where}", cancellationToken);
            log.WriteLine($"== {Title(variant)}: {options.HiddenLayers} hidden layers of {options.Units}, {options.Epochs} epochs");
            // The same seed for every variant: the differences come from the architecture alone.
            var model = CreateModel(variant, options.HiddenLayers, options.Units, options.Seed);
            model.Compile(new Sgd(options.LearningRate, options.Momentum), new CategoricalCrossentropy(), "accuracy");
            var diagnostics = new GradientDiagnostics(probe, every);
            var clock = Stopwatch.StartNew();
            var history = model.Fit(x, sample.Train.OneHot, options.Epochs, options.BatchSize, validationData: validation,
                callbacks: [diagnostics, new InterruptOnCancellation(cancellationToken)], seed: options.Seed + 1, verbose: verbose);
            clock.Stop();
            if (model.Interruption != null) throw Interrupted($"while training {where}", cancellationToken);
            var test = model.Evaluate(Flat(sample.Test), sample.Test.OneHot, batchSize: 256);
            var dense = DenseLayers(model);
            double first = Mean(diagnostics.GradientNorms(dense[0])), last = Mean(diagnostics.GradientNorms(dense[^1]));
            var run = new GradientStudyRun(variant, model, history, diagnostics, test, clock.Elapsed.TotalSeconds, first, last);
            _runs.Add(run);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Title(variant)}: first-layer gradient norm {E(first)}, last-layer {E(last)} (ratio {E(run.Ratio)}), test accuracy {test.Accuracy:F4}"));
        }
        WriteReport(sample);
    }

    private static OperationInterruptedException Interrupted(string where, CancellationToken token) =>
        new($"Interrupted {where}; report.html was not written. Run the same command again to redo the study.", token);

    private void WriteReport(FashionSample sample)
    {
        var report = new HtmlReport("Vanishing gradients in a deep network");
        var section = report.AddSection("Gradients layer by layer");
        section.Paragraph(
            $"Three networks with {options.HiddenLayers} hidden layers of {options.Units} units each, trained on {sample.Train.Count:N0} " +
            $"Fashion-MNIST images for {options.Epochs} epochs with the same optimizer (SGD, learning rate {options.LearningRate.ToString(CultureInfo.InvariantCulture)}, " +
            $"momentum {F(options.Momentum, 1)}), batch size {options.BatchSize} and the same seed. During training each layer's " +
            "gradient norm was recorded before every optimizer step and averaged over " +
            $"{options.RecordsPerEpoch} intervals per epoch. A sigmoid's slope is at most 0.25, so backpropagation through each sigmoid " +
            "layer shrinks the gradient: the first layers of the deep sigmoid network receive gradients orders of magnitude smaller than " +
            "the last, and learn almost nothing. ReLU passes gradients through unchanged where it is active, and He initialisation keeps " +
            "the signal's variance constant from layer to layer; BatchNormalization re-centres and re-scales each layer's inputs so that " +
            "the sigmoids work in their steep middle.");
        section.Table(["Network", "First-layer gradient norm", "Last-layer gradient norm", "Last / first", "Validation accuracy", "Test accuracy", "Seconds"],
            _runs.Select(r => (IReadOnlyList<string>)[Title(r.Variant), E(r.FirstLayerGradient), E(r.LastLayerGradient), E(r.Ratio),
                F(r.History["val_accuracy"][^1], 4), F(r.Test.Accuracy, 4), F(r.Seconds, 1)]),
            $"Mean gradient norm over training of the first dense layer and of the output layer; accuracy after {options.Epochs} epochs on the {sample.Test.Count:N0} test images");
        section.Paragraph(Findings());

        foreach (var run in _runs)
        {
            var dense = DenseLayers(run.Model);
            var series = dense.Select((name, i) => new NamedSeries(i == dense.Count - 1 ? $"{i + 1} (output)" : $"{i + 1}", run.Diagnostics.GradientNorms(name))).ToList();
            section.Image(Save(GradientNormPlot.Render($"{Title(run.Variant)}: gradient norm per dense layer", run.Diagnostics.Progress(), series),
                $"gradients-{FileName(run.Variant)}.png"),
                $"{Title(run.Variant)}: the norm of each dense layer's gradient during training, layer 1 next to the input; a log scale, so each grid line is ten times the one below.");
        }

        section.Table(["Dense layer", .. _runs.Select(r => Title(r.Variant))],
            Enumerable.Range(0, options.HiddenLayers + 1).Select(i => (IReadOnlyList<string>)
            [
                i == options.HiddenLayers ? $"{i + 1} (output)" : $"{i + 1}",
                .. _runs.Select(r => E(Mean(r.Diagnostics.GradientNorms(DenseLayers(r.Model)[i])))),
            ]),
            "Mean gradient norm of each dense layer over training");

        var activations = _runs.Select(r => r.Diagnostics.Records[^1].Layers.Where(l => IsHiddenOutput(r.Model, l.Layer)).ToList()).ToList();
        section.Table(["Hidden layer", .. _runs.SelectMany(r => new[] { $"{Title(r.Variant)} mean", "std" })],
            Enumerable.Range(0, options.HiddenLayers).Select(i => (IReadOnlyList<string>)
            [
                $"{i + 1}",
                .. activations.SelectMany(a => new[] { F(a[i].ActivationMean, 3), F(a[i].ActivationStd, 3) }),
            ]),
            $"Mean and standard deviation of each hidden layer's output (after its activation) for {Math.Min(256, sample.Validation.Count)} validation images, at the end of training");

        section.Image(Save(TrainingCurves.Overlay("Validation accuracy", "Accuracy",
            _runs.Select(r => new NamedSeries(Title(r.Variant), r.History["val_accuracy"])).ToList()), "accuracy.png"),
            "Validation accuracy per epoch of the three networks: the remedies learn in the epochs in which the deep sigmoid network barely moves.");
        section.Image(Save(TrainingCurves.Overlay("Training loss", "Loss",
            _runs.Select(r => new NamedSeries(Title(r.Variant), r.History["loss"])).ToList()), "loss.png"),
            "Training loss per epoch of the three networks.");

        AtomicFile.WriteAllText(Path.Combine(options.OutputDirectory, "gradients.json"), Json());
        report.Save(ReportPath);
        log.WriteLine($"Wrote {Path.GetFileName(ReportPath)} and its images.");
    }

    /// <summary>What this run's table says, in words: how far apart the sigmoid network's layers are, and what each remedy reached.</summary>
    private string Findings()
    {
        var sigmoid = _runs.FirstOrDefault(r => r.Variant == GradientVariant.SigmoidGlorot);
        if (sigmoid == null) return "";
        var remedies = _runs.Where(r => r != sigmoid).ToList();
        string first = FormattableString.Invariant(
            $"In this run the deep sigmoid network's first layer received gradients {sigmoid.Ratio:0.0e+0} times smaller than its output layer ") +
            FormattableString.Invariant($"(about {Math.Log10(sigmoid.Ratio):0.0} orders of magnitude), and its test accuracy was {sigmoid.Test.Accuracy * 100:0.0}%") +
            (sigmoid.Test.Accuracy < 0.15 ? ", no better than guessing among ten classes." : ".");
        return string.Join(" ", [first, .. remedies.Select(r => FormattableString.Invariant(
            $"{Title(r.Variant)} kept the first layer's gradient within a factor {Math.Max(r.Ratio, 1 / r.Ratio):0.0} of the last and reached {r.Test.Accuracy * 100:0.0}%."))]);
    }

    private string Json() => JsonSerializer.Serialize(_runs.Select(r => new Dictionary<string, object>
    {
        ["network"] = FileName(r.Variant),
        ["epochs"] = r.History.Epochs.Count,
        ["first_layer_gradient_norm"] = r.FirstLayerGradient,
        ["last_layer_gradient_norm"] = r.LastLayerGradient,
        ["last_over_first"] = r.Ratio,
        ["val_accuracy"] = r.History["val_accuracy"],
        ["test_accuracy"] = r.Test.Accuracy,
        ["test_loss"] = r.Test.Loss,
        ["seconds"] = Math.Round(r.Seconds, 2),
    }), new JsonSerializerOptions { WriteIndented = true }) + "\n";

    /// <summary>The dense layers' names, input side first: the layers whose gradients the study compares.</summary>
    private static List<string> DenseLayers(Sequential model) => model.Layers.OfType<Dense>().Select(l => l.Name!).ToList();

    /// <summary>Whether the layer's output is a hidden layer's activation (not the softmax, not a pre-activation).</summary>
    private static bool IsHiddenOutput(Sequential model, string name)
    {
        var layer = model.Layers.First(l => l.Name == name);
        return layer != model.Layers[^1] && (layer is ActivationLayer || (layer is Dense d && d.Activation != Activation.Linear));
    }

    private static Tensors.Tensor Flat(LabeledTensors set) => set.Images.Reshape(set.Count, 784);

    private static double Mean(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Average();

    private byte[] Save(byte[] png, string name) => PngFile.Save(png, Path.Combine(options.OutputDirectory, name));

    private static string F(double v, int digits) => v.ToString("F" + digits, CultureInfo.InvariantCulture);

    private static string E(double v) => v.ToString("0.00e+00", CultureInfo.InvariantCulture);
}
