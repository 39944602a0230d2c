using System.CommandLine;
using System.Globalization;
using Tailor.Common;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Models;
using Tailor.Serialization;
using Tailor.Studies;

namespace Tailor.Cli.Commands;

/// <summary>`tailor evaluate`, `tailor predict`, `tailor summary`, `tailor export` and `tailor import`: what can be done with a saved model file, and making one from ONNX.</summary>
internal static class ModelCommands
{
    private static Option<string> ModelFileOption() => new Option<string>("--model") { Description = "A model file written by tailor train or Model.Save.", Required = true }
        .AsInput("the model given as --model");

    public static Command Evaluate()
    {
        var modelFile = ModelFileOption();
        var full = new Option<bool>("--full") { Description = "Evaluate on all 10,000 test images instead of the model's test sample." };
        var probabilities = new Option<string?>("--probabilities") { Description = "Also write each test image's class probabilities to this CSV (round-trip precision)." };
        var heatmap = new Option<string?>("--heatmap") { Description = "Also write the confusion matrix as a heatmap to this PNG." };
        var confused = new Option<string?>("--confused") { Description = "Also write test images of the most confused pairs of classes to this PNG." };
        var images = ImagesOption("Evaluate a model trained on an image folder on DIR/test instead of the test images of the folder it was trained on.");
        var flipAverage = new Option<bool>("--flip-average") { Description = "Test-time augmentation: average the model's outputs on each image and on its mirror image (image models only)." };
        var command = new Command("evaluate", "Test loss and accuracy of a saved model on the test images it was trained beside, its classification report and confusion matrix.")
            { modelFile, full, probabilities, heatmap, confused, images, flipAverage };
        command.SetAction(parsed =>
        {
            var (model, data, description) = LoadWithTestImages(parsed, parsed.GetValue(modelFile)!, parsed.GetValue(full), images);
            var test = data.Test;
            if (model.Loss == null) model.Compile(new Optimizers.RmsProp(), new Losses.CategoricalCrossentropy(), "accuracy");
            var x = TrainingRun.Inputs(test, model);
            string path = parsed.GetValue(modelFile)!;
            bool flip = parsed.GetValue(flipAverage);
            if (flip && x.Rank != 4)
                throw new UsageException($"--flip-average mirrors images, but {path} takes flat inputs of {model.InputShape[0]:N0} values (a dense model).");
            Tensors.Tensor? averaged = flip ? model.PredictFlipAveraged(x, InferenceBatch(model)) : null;
            var result = averaged is null ? model.Evaluate(x, test.OneHot, batchSize: InferenceBatch(model)) : model.EvaluatePredictions(averaged, test.OneHot);
            if (flip) description += " with flip averaging";
            if (!double.IsFinite(result.Loss))
                throw new ModelFormatException(path, $"the test loss is {result.Loss}: the model's outputs are not finite numbers for some test images, so its loss and accuracy mean nothing.");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{description}: test loss {result.Loss:F4}, test accuracy {result.Accuracy:F4} on {test.Count:N0} images."));
            var analysis = averaged is null ? ClassificationAnalysis.Of(model, x, test, InferenceBatch(model), data.ClassNames) : ClassificationAnalysis.Of(averaged, test, data.ClassNames);
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
                Common.AtomicFile.WriteAllText(csv, ProbabilitiesCsv(averaged ?? model.Predict(x, batchSize: InferenceBatch(model)), data));
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
                var content = SafeTensors.Read(path);
                var loaded = ModelFile.LoadModel(content, path);
                if (ImageInputOf(content, path) is { } input)
                    return PhotoCommand.Predict(Classifier(loaded, path, input.ClassNames), input, path, paths, parsed.GetValue(inputsOut), limit);
                return PhotoCommand.Predict(Classifier(loaded, path), path, paths, parsed.GetValue(inputsOut), limit);
            }
            var (model, data, _) = LoadWithTestImages(parsed, parsed.GetValue(modelFile)!, full: false, images: null);
            var test = data.Test;
            int i = parsed.GetValue(index);
            if (i < 0 || i >= test.Count) throw new UsageException($"--index must be in [0, {test.Count - 1}] for the {test.Count:N0} test images, received {i}.");
            var image = new LabeledTensors(test.Images.Slice(i, 1), [test.Labels[i]], test.OneHot.Slice(i, 1));
            var probabilities = model.Predict(TrainingRun.Inputs(image, model), batchSize: 1).Span.ToArray();
            if (!probabilities.All(float.IsFinite))
                throw new ModelFormatException(parsed.GetValue(modelFile)!, $"the model's outputs for test image {i} are not finite numbers, so they rank nothing.");
            var names = data.ClassNames;
            int width = Math.Max(12, names.Max(n => n.Length));
            Console.WriteLine($"Test image {i}: {names[image.Labels[0]]}" + (data.Files is { } files ? $" ({ErrorText.Name(files[i])})" : ""));
            foreach (int c in Enumerable.Range(0, probabilities.Length).OrderByDescending(c => probabilities[c]).Take(3))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {names[c].PadRight(width)} {probabilities[c],8:P2}"));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Summary()
    {
        var modelFile = ModelFileOption();
        var command = new Command("summary", "Keras's summary of a saved model: each layer with its output shape, parameters and (for a graph) the layers it is connected to.") { modelFile };
        command.SetAction(parsed =>
        {
            string path = parsed.GetValue(modelFile)!;
            var model = ModelFile.LoadModel(path);
            Console.Write(model.Summary());
            if (model.Optimizer != null && model.Loss != null)
                Console.WriteLine($"Compiled with {model.Optimizer.Name} (step {model.Optimizer.Iterations:N0}) and {model.Loss.Name}.");
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
            var model = ModelFile.LoadModel(parsed.GetValue(modelFile)!);
            string path = parsed.GetValue(onnx)!;
            OnnxExport.Save(model, path);
            Console.WriteLine($"Wrote {Path.GetFullPath(path)} (opset {OnnxExport.Opset}, input '{OnnxExport.InputName(model)}').");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Import()
    {
        var onnx = new Option<string>("--onnx") { Description = "The ONNX model to read: a chain of layers, or a graph that branches and merges (PyTorch's channels-first images are taken channels-last).", Required = true }
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

    /// <summary>One row per test image: its position in the sample and in the test file, its label, then the probabilities.</summary>
    private static string ProbabilitiesCsv(Tensors.Tensor probabilities, TestImages data)
    {
        var sb = new System.Text.StringBuilder(data.Files == null ? "sample_index,file_index,label" : "sample_index,file,label");
        int classes = probabilities.Dim(1);
        for (int c = 0; c < classes; c++) sb.Append(",p").Append(c);
        sb.Append('\n');
        var p = probabilities.Span;
        for (int i = 0; i < data.Test.Count; i++)
        {
            sb.Append(i).Append(',');
            if (data.Files is { } files) sb.Append(CsvField(files[i]));
            else sb.Append(data.Sample!.TestIndices[i]);
            sb.Append(',').Append(data.Test.Labels[i]);
            for (int c = 0; c < classes; c++) sb.Append(',').Append(p[i * classes + c].ToString("R", CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// <paramref name="model"/>, once its outputs are known to be probabilities over Fashion-MNIST's classes;
    /// otherwise one line saying why, since percentages of anything else (or of 20 outputs against 10 names) mean nothing.
    /// </summary>
    internal static Model Classifier(Model model, string path) =>
        model.WhyNotClassProbabilities(FashionMnist.NumClasses) is string why
            ? throw new ModelFormatException(path, $"{why}; evaluate and predict need a model ending in a softmax over the {FashionMnist.NumClasses} Fashion-MNIST classes.")
            : model;

    /// <summary><paramref name="model"/>, once its outputs are known to be probabilities over the <paramref name="classNames"/> it was saved with.</summary>
    internal static Model Classifier(Model model, string path, IReadOnlyList<string> classNames) =>
        model.WhyNotClassProbabilities(classNames.Count) is string why
            ? throw new ModelFormatException(path, $"{why}; its file names {classNames.Count} classes ({string.Join(", ", classNames)}), and evaluate and predict need a softmax over them.")
            : model;

    /// <summary>A CSV field, quoted when it holds a comma, quote or line break.</summary>
    private static string CsvField(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";

    private static Option<string?> ImagesOption(string description) =>
        new Option<string?>("--images") { Description = description, HelpName = "DIR" }.AsInput("the image folder given as --images");

    /// <summary>Images per inference batch: 256, fewer for a model whose layers hold much per image (at most 2^26 values a batch, 256 MiB).</summary>
    internal static int InferenceBatch(Model model) => (int)Math.Clamp(ModelFile.MaxActivationValues / Math.Max(1, model.ActivationValues), 1, 256);

    /// <summary>
    /// Test images with their class names: the IDX sample's (<see cref="Sample"/>), or an image folder's test
    /// split (<see cref="Files"/>, in its order).
    /// </summary>
    private sealed record TestImages(LabeledTensors Test, IReadOnlyList<string> ClassNames, FashionSample? Sample, IReadOnlyList<string>? Files);

    /// <summary>The image input a model file was trained with, when it was trained on an image folder.</summary>
    private static ImageInput? ImageInputOf(SafeTensorsContent content, string path)
    {
        if (!content.Metadata.TryGetValue(Checkpointing.OptionsKey, out string? json)) return null;
        try { return TrainingOptions.FromJson(json).Options.Images; }
        catch (FormatException e) { throw new ModelFormatException(path, e.Message, e); }
    }

    /// <summary>
    /// The model and the test images it was trained beside: those of the IDX sample its file records, or the
    /// test split of the image folder it was trained on (<paramref name="images"/>: of another folder with the same classes).
    /// </summary>
    private static (Model Model, TestImages Data, string Description) LoadWithTestImages(ParseResult parsed, string path, bool full, Option<string?>? images)
    {
        var content = SafeTensors.Read(path);
        var loaded = ModelFile.LoadModel(content, path);
        var sampleOptions = FashionSampleOptions.Notebook with { Seed = 1 };
        string description = $"Model '{Path.GetFileName(path)}'";
        TrainingOptions? options = null;
        if (content.Metadata.TryGetValue(Checkpointing.OptionsKey, out string? json))
        {
            try { (options, sampleOptions) = TrainingOptions.FromJson(json); }
            catch (FormatException e) { throw new ModelFormatException(path, e.Message, e); }
            description = $"{options.Model.Title()} ({Path.GetFileName(path)})";
        }
        string? otherFolder = images == null ? null : parsed.GetValue(images);
        if (options?.Images is { } input)
        {
            if (full) throw new UsageException($"--full evaluates on the 10,000 IDX test images; '{path}' was trained on {input.Describe()} images of an image folder.");
            var model = Classifier(loaded, path, input.ClassNames);
            string directory = otherFolder ?? input.Directory
                ?? throw new ModelFormatException(path, "it was trained on an image folder but does not say which; give the folder as --images DIR.");
            string testFolder = Path.Combine(directory, ImageFolderSplits.TestFolder);
            if (otherFolder == null && !Directory.Exists(testFolder))
                throw new DataNotFoundException($"The model '{path}' was trained on images in '{directory}', which has no {ImageFolderSplits.TestFolder}/ folder now; give a folder with the same classes as --images DIR.");
            var folder = ImageFolder.Open(testFolder, input.Options);
            ImageFolderInput.EnsureColour(input, folder, "was trained");
            Console.WriteLine($"Data: {folder.Count:N0} {input.Describe()} test images in {Path.GetFullPath(testFolder)}");
            return (model, new TestImages(folder.ToLabeledTensors(), input.ClassNames, null, folder.Files), description);
        }
        if (otherFolder != null)
            throw new UsageException($"--images: '{path}' was trained on the IDX images, not on an image folder; evaluate it without --images.");
        var classifier = Classifier(loaded, path);
        if (full) sampleOptions = FashionSampleOptions.Full;
        var (dataset, _) = CommonOptions.LoadDataset(parsed);
        var sample = TrainCommand.DrawSample(dataset, sampleOptions, full ? null : path);
        return (classifier, new TestImages(sample.Test, FashionMnist.ClassNames, sample, null), description);
    }
}
