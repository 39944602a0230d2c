using System.CommandLine;
using System.Globalization;
using Tailor.Data;
using Tailor.Models;
using Tailor.Serialization;
using Tailor.Studies;

namespace Tailor.Cli.Commands;

/// <summary>`tailor evaluate`, `tailor predict`, `tailor export` and `tailor import`: what can be done with a saved model file, and making one from ONNX.</summary>
internal static class ModelCommands
{
    private static Option<string> ModelFileOption() => new Option<string>("--model") { Description = "A model file written by tailor train or Sequential.Save.", Required = true }
        .AsInput("the model given as --model");

    public static Command Evaluate()
    {
        var modelFile = ModelFileOption();
        var full = new Option<bool>("--full") { Description = "Evaluate on all 10,000 test images instead of the model's test sample." };
        var probabilities = new Option<string?>("--probabilities") { Description = "Also write each test image's class probabilities to this CSV (round-trip precision)." };
        var heatmap = new Option<string?>("--heatmap") { Description = "Also write the confusion matrix as a heatmap to this PNG." };
        var confused = new Option<string?>("--confused") { Description = "Also write test images of the most confused pairs of classes to this PNG." };
        var command = new Command("evaluate", "Test loss and accuracy of a saved model on the test images it was trained beside, its classification report and confusion matrix.")
            { modelFile, full, probabilities, heatmap, confused };
        command.SetAction(parsed =>
        {
            var (model, sample, description) = LoadWithTestImages(parsed, parsed.GetValue(modelFile)!, parsed.GetValue(full));
            var test = sample.Test;
            if (model.Loss == null) model.Compile(new Optimizers.RmsProp(), new Losses.CategoricalCrossentropy(), "accuracy");
            var x = TrainingRun.Inputs(test, model);
            string path = parsed.GetValue(modelFile)!;
            var result = model.Evaluate(x, test.OneHot, batchSize: InferenceBatch(model));
            if (!double.IsFinite(result.Loss))
                throw new ModelFormatException(path, $"the test loss is {result.Loss}: the model's outputs are not finite numbers for some test images, so its loss and accuracy mean nothing.");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{description}: test loss {result.Loss:F4}, test accuracy {result.Accuracy:F4} on {test.Count:N0} images."));
            var analysis = ClassificationAnalysis.Of(model, x, test, InferenceBatch(model));
            Console.WriteLine();
            Console.Write(analysis.Report());
            Console.WriteLine();
            Console.WriteLine("Confusion matrix (rows: true class, columns: predicted class):");
            Console.Write(analysis.MatrixTable());
            Console.WriteLine();
            Console.WriteLine("Most confused:");
            foreach (string line in analysis.MostConfused()) Console.WriteLine("  " + line);
            if (parsed.GetValue(heatmap) is string heatmapPath)
            {
                Visualization.PngFile.Save(analysis.Heatmap($"{description}: confusion matrix"), heatmapPath);
                Console.WriteLine($"Wrote the confusion matrix heatmap to {Path.GetFullPath(heatmapPath)}");
            }
            if (parsed.GetValue(confused) is string confusedPath)
            {
                if (analysis.ConfusedExamples() is { } examples)
                {
                    Visualization.PngFile.Save(examples, confusedPath);
                    Console.WriteLine($"Wrote examples of the most confused pairs to {Path.GetFullPath(confusedPath)}");
                }
                else Console.WriteLine($"The model confused no test image, so {confusedPath} was not written.");
            }
            if (parsed.GetValue(probabilities) is string csv)
            {
                Common.AtomicFile.WriteAllText(csv, ProbabilitiesCsv(model.Predict(x, batchSize: InferenceBatch(model)), sample));
                Console.WriteLine($"Wrote the probabilities of {test.Count:N0} test images to {Path.GetFullPath(csv)}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Predict()
    {
        var modelFile = ModelFileOption();
        var index = new Option<int>("--index") { Description = "Position of the image in the model's test sample (at most its last).", DefaultValueFactory = _ => 0 }
            .Within(TutorialOptions.ExampleRange);
        var photos = new Argument<string[]>("images")
        {
            Description = "Image files or folders of them (JPEG, PNG, BMP, WebP, GIF) to classify instead of a test image.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var inputsOut = new Option<string?>("--inputs-out") { Description = "Folder to write, for each image, the 28x28 PNG the model saw (FILE.input.png, e.g. shoe.jpg.input.png)." };
        var maxPixels = CommonOptions.MaxImagePixels();
        var command = new Command("predict", "The three most likely classes of a test image, or of image files, under a saved model.") { modelFile, index, photos, inputsOut, maxPixels };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(photos) is { Length: > 0 } paths)
            {
                long limit = parsed.GetValue(maxPixels);
                string path = parsed.GetValue(modelFile)!;
                return PhotoCommand.Predict(Classifier(Sequential.Load(path), path), path, paths, parsed.GetValue(inputsOut), limit);
            }
            var (model, sample, _) = LoadWithTestImages(parsed, parsed.GetValue(modelFile)!, full: false);
            var test = sample.Test;
            int i = parsed.GetValue(index);
            if (i < 0 || i >= test.Count) throw new UsageException($"--index must be in [0, {test.Count - 1}] for the {test.Count:N0} test images, received {i}.");
            var image = new LabeledTensors(test.Images.Slice(i, 1), [test.Labels[i]], test.OneHot.Slice(i, 1));
            var probabilities = model.Predict(TrainingRun.Inputs(image, model), batchSize: 1).Span.ToArray();
            if (!probabilities.All(float.IsFinite))
                throw new ModelFormatException(parsed.GetValue(modelFile)!, $"the model's outputs for test image {i} are not finite numbers, so they rank nothing.");
            Console.WriteLine($"Test image {i}: {FashionMnist.ClassNames[image.Labels[0]]}");
            foreach (int c in Enumerable.Range(0, probabilities.Length).OrderByDescending(c => probabilities[c]).Take(3))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {FashionMnist.ClassNames[c],-12} {probabilities[c],8:P2}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Export()
    {
        var modelFile = ModelFileOption();
        var onnx = new Option<string>("--onnx") { Description = "The ONNX file to write.", Required = true };
        var command = new Command("export", "Write a saved model as ONNX (opset 13), input (N, ...) named as in Keras.") { modelFile, onnx };
        command.SetAction(parsed =>
        {
            var model = Sequential.Load(parsed.GetValue(modelFile)!);
            string path = parsed.GetValue(onnx)!;
            OnnxExport.Save(model, path);
            Console.WriteLine($"Wrote {Path.GetFullPath(path)} (opset {OnnxExport.Opset}, input '{OnnxExport.InputName(model)}').");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Import()
    {
        var onnx = new Option<string>("--onnx") { Description = "The ONNX model to read: a chain of layers (PyTorch's channels-first images are taken channels-last).", Required = true }
            .AsInput("the ONNX model given as --onnx");
        var output = new Option<string>("--out") { Description = "The Tailor model file to write (.safetensors).", Required = true };
        var command = new Command("import", "Write an ONNX model (opsets 9 to 21) as a Tailor model file: its layers and weights, not compiled.") { onnx, output };
        command.SetAction(parsed =>
        {
            string path = parsed.GetValue(onnx)!, target = parsed.GetValue(output)!;
            var model = OnnxImport.Load(path);
            model.Save(target);
            Console.WriteLine(model.Summary());
            Console.WriteLine($"Wrote {Path.GetFullPath(target)} (input {Layers.Layer.FormatBatchShape(model.InputShape)}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The model and the test images of the sample it was trained with (its file records how they were drawn).</summary>
    /// <summary>One row per test image: its position in the sample and in the test file, its label, then the probabilities.</summary>
    private static string ProbabilitiesCsv(Tensors.Tensor probabilities, FashionSample sample)
    {
        var sb = new System.Text.StringBuilder("sample_index,file_index,label");
        int classes = probabilities.Dim(1);
        for (int c = 0; c < classes; c++) sb.Append(",p").Append(c);
        sb.Append('\n');
        var p = probabilities.Span;
        for (int i = 0; i < sample.Test.Count; i++)
        {
            sb.Append(i).Append(',').Append(sample.TestIndices[i]).Append(',').Append(sample.Test.Labels[i]);
            for (int c = 0; c < classes; c++) sb.Append(',').Append(p[i * classes + c].ToString("R", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// <paramref name="model"/>, once its outputs are known to be probabilities over Fashion-MNIST's classes;
    /// otherwise one line saying why, since percentages of anything else (or of 20 outputs against 10 names) mean nothing.
    /// </summary>
    internal static Sequential Classifier(Sequential model, string path) =>
        model.WhyNotClassProbabilities(FashionMnist.NumClasses) is string why
            ? throw new ModelFormatException(path, $"{why}; evaluate and predict need a model ending in a softmax over the {FashionMnist.NumClasses} Fashion-MNIST classes.")
            : model;

    /// <summary>Images per inference batch: 256, fewer for a model whose layers hold much per image (at most 2^26 values a batch, 256 MiB).</summary>
    internal static int InferenceBatch(Sequential model) => (int)Math.Clamp(ModelFile.MaxActivationValues / Math.Max(1, model.ActivationValues), 1, 256);

    private static (Sequential Model, FashionSample Sample, string Description) LoadWithTestImages(ParseResult parsed, string path, bool full)
    {
        var content = SafeTensors.Read(path);
        var model = Classifier(ModelFile.Load(content, path), path);
        var sampleOptions = FashionSampleOptions.Notebook with { Seed = 1 };
        string description = $"Model '{Path.GetFileName(path)}'";
        if (content.Metadata.TryGetValue(Checkpointing.OptionsKey, out string? json))
        {
            try
            {
                var (options, sample) = TrainingOptions.FromJson(json);
                sampleOptions = sample;
                description = $"{options.Model.Title()} ({Path.GetFileName(path)})";
            }
            catch (FormatException e) { throw new ModelFormatException(path, e.Message, e); }
        }
        if (full) sampleOptions = FashionSampleOptions.Full;
        var (dataset, _) = CommonOptions.LoadDataset(parsed);
        return (model, TrainCommand.DrawSample(dataset, sampleOptions, full ? null : path), description);
    }
}
