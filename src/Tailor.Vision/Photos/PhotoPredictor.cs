using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Tensors;

namespace Tailor.Models;

/// <summary>
/// Classifies image files with a trained model: each file is decoded and preprocessed by a
/// <see cref="PhotoPreprocessor"/> (a light garment on black, filling the model's square input), the good
/// ones are predicted in one batch, and each gets its most probable classes. A file that cannot be read or
/// decoded gets an error result of its own; the others are still predicted.
/// </summary>
public sealed class PhotoPredictor
{
    private readonly Model _model;
    private readonly PhotoPreprocessor _preprocessor;
    private readonly bool _flat;

    /// <param name="model">A built model taking (S, S, 1) images or S*S flat values, ending in softmax.</param>
    /// <param name="classNames">Names of its outputs, by index (FashionMnist.ClassNames in Tailor.Datasets for the notebook's models).</param>
    /// <param name="options">Preprocessing; its Size is taken from the model's input.</param>
    public PhotoPredictor(Model model, IReadOnlyList<string> classNames, PhotoPreprocessorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.IsBuilt)
            throw new ArgumentException($"Model '{model.Name}' is not built; build or train it before predicting photos.", nameof(model));
        ArgumentNullException.ThrowIfNull(classNames);
        ClassNames = classNames;
        if (model.OutputShapes.Count != 1 || model.OutputShapes[0].Length != 1)
            throw new ArgumentException($"Model '{model.Name}' gives outputs of shape {string.Join(", ", model.OutputShapes.Select(s => Layers.Layer.FormatBatchShape(s)))}, not one score per class.", nameof(model));
        if (model.OutputLength != ClassNames.Count)
            throw new ArgumentException($"Model '{model.Name}' has {model.OutputLength} outputs, but {ClassNames.Count} class names were given.", nameof(classNames));
        (int size, _flat) = InputSize(model);
        _model = model;
        _preprocessor = new PhotoPreprocessor((options ?? new PhotoPreprocessorOptions()) with { Size = size });
    }

    public IReadOnlyList<string> ClassNames { get; }

    public PhotoPreprocessorOptions Options => _preprocessor.Options;

    /// <summary>Predicts every file, in the order given; see <see cref="ExpandPaths"/> for folders.</summary>
    public IReadOnlyList<PhotoPrediction> Predict(IEnumerable<string> paths, int top = 3)
    {
        ArgumentNullException.ThrowIfNull(paths);
        Common.Guard.Positive(top);
        string[] files = [.. paths];
        var inputs = new PreprocessedPhoto?[files.Length];
        var errors = new string?[files.Length];
        for (int i = 0; i < files.Length; i++)
        {
            try { inputs[i] = _preprocessor.Process(files[i]); }
            catch (DataFormatException e) { errors[i] = e.Path == files[i] && e.Message.StartsWith(files[i] + ": ", StringComparison.Ordinal) ? e.Message[(files[i].Length + 2)..] : e.Message; }
        }

        int[] good = [.. Enumerable.Range(0, files.Length).Where(i => inputs[i] != null)];
        var results = new PhotoPrediction[files.Length];
        for (int i = 0; i < files.Length; i++)
            if (inputs[i] == null) results[i] = new PhotoPrediction(files[i], [], null, errors[i]);
        if (good.Length == 0) return results;

        int size = Options.Size, pixels = size * size;
        var batch = new Tensor(good.Length, size, size, 1);
        for (int k = 0; k < good.Length; k++) PixelScaling.ToUnitRange(inputs[good[k]]!.Pixels, batch.Span.Slice(k * pixels, pixels));
        var probabilities = _model.Predict(_flat ? batch.Reshape(good.Length, pixels) : batch, batchSize: 64);
        int classes = ClassNames.Count;
        for (int k = 0; k < good.Length; k++)
        {
            var row = probabilities.Span.Slice(k * classes, classes).ToArray();
            var ranked = Enumerable.Range(0, classes).OrderByDescending(c => row[c]).ThenBy(c => c).Take(top)
                .Select(c => new PredictedClass(c, ClassNames[c], row[c])).ToArray();
            results[good[k]] = new PhotoPrediction(files[good[k]], ranked, inputs[good[k]], null);
        }
        return results;
    }

    /// <summary>
    /// Files as given and, for each folder, the image files inside it (by extension, sorted by name, hidden
    /// files left out). A path that does not exist is kept, so that its prediction reports it.
    /// </summary>
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> pathsOrFolders)
    {
        ArgumentNullException.ThrowIfNull(pathsOrFolders);
        var files = new List<string>();
        foreach (string path in pathsOrFolders)
        {
            if (!Directory.Exists(path)) { files.Add(path); continue; }
            files.AddRange(Directory.EnumerateFiles(path)
                .Where(f => !Path.GetFileName(f).StartsWith('.') && ImageDecoder.HasImageExtension(f))
                .Order(StringComparer.Ordinal));
        }
        return files;
    }

    private static (int Size, bool Flat) InputSize(Model model)
    {
        ReadOnlySpan<int> shape = model.InputShape;
        if (shape.Length == 3 && shape[0] == shape[1] && shape[2] == 1) return (shape[0], false);
        if (shape.Length == 1 && (int)Math.Sqrt(shape[0]) is var side && side * side == shape[0]) return (side, true);
        throw new ArgumentException($"Model '{model.Name}' takes inputs of shape {Tensor.Format(shape)}; photos can be fed to square grayscale inputs, (S, S, 1) or (S*S).", nameof(model));
    }
}
