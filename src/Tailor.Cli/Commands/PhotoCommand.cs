using Tailor.Common;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Models;
using Tailor.Serialization;

namespace Tailor.Cli.Commands;

/// <summary>`tailor predict --model FILE photo.jpg [more files or folders]`: the top 3 classes of each image file.</summary>
internal static class PhotoCommand
{
    public static int Predict(Model model, string modelPath, IReadOnlyList<string> paths, string? inputsOut, long maxImagePixels)
    {
        var files = PhotoPredictor.ExpandPaths(paths);
        if (files.Count == 0) throw new UsageException($"No image files in {string.Join(", ", paths)}; expected files ending in .jpg, .jpeg, .png, .bmp, .webp or .gif.");
        var predictions = new PhotoPredictor(model, FashionMnist.ClassNames, new PhotoPreprocessorOptions { MaxImagePixels = maxImagePixels }).Predict(files, top: 3);
        if (predictions.FirstOrDefault(p => p.Succeeded && !p.Top.All(c => float.IsFinite(c.Probability))) is { } broken)
            throw new ModelFormatException(modelPath, $"the model's outputs for {ErrorText.Name(broken.Path)} are not finite numbers, so they rank nothing.");
        var inputNames = InputNames(files);
        var renamed = new List<string>();
        int failures = 0;
        for (int i = 0; i < predictions.Count; i++)
        {
            var p = predictions[i];
            if (!p.Succeeded)
            {
                // One line per file that could not be read; the others are still predicted. The name is escaped,
                // so that a newline in it cannot fake a line of output.
                Console.Error.WriteLine($"tailor: error: {ErrorText.Name(p.Path)}: {ErrorText.OneLine(p.Error!)}");
                failures++;
                continue;
            }
            Console.WriteLine(p);
            if (inputsOut == null) continue;
            p.Input!.SavePng(Path.Combine(inputsOut, inputNames[i]));
            if (inputNames[i] != Path.GetFileName(p.Path) + InputSuffix) renamed.Add($"{ErrorText.Name(p.Path)} as {ErrorText.Name(inputNames[i])}");
        }
        if (inputsOut != null && failures < predictions.Count)
            Console.WriteLine($"Wrote the model's inputs to {ErrorText.Name(Path.GetFullPath(inputsOut))}" +
                (renamed.Count == 0 ? "" : $"; images whose names another image has already taken: {string.Join(", ", renamed)}"));
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>
    /// The top 3 classes of each image file under a model trained on an image folder: each file is read as
    /// training read its folder (<paramref name="input"/>: size, fit, channels), not as a Fashion-MNIST photo.
    /// </summary>
    public static int Predict(Model model, ImageInput input, string modelPath, IReadOnlyList<string> paths, string? inputsOut, long maxImagePixels)
    {
        var files = PhotoPredictor.ExpandPaths(paths);
        if (files.Count == 0) throw new UsageException($"No image files in {string.Join(", ", paths)}; expected files ending in .jpg, .jpeg, .png, .bmp, .webp or .gif.");
        var options = input.Options with { MaxImagePixels = maxImagePixels };
        int size = options.BytesPerImage;
        var pixels = new byte[files.Count * size];
        var errors = new string?[files.Count];
        var gray = new bool[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            try
            {
                gray[i] = ImageDecoder.ReadHeader(files[i], maxImagePixels).Grayscale;
                ImageFolder.Read(files[i], options, pixels.AsSpan(i * size, size));
            }
            catch (DataFormatException e) { errors[i] = e.Message.StartsWith(files[i] + ": ", StringComparison.Ordinal) ? e.Message[(files[i].Length + 2)..] : e.Message; }
        });
        int[] good = [.. Enumerable.Range(0, files.Count).Where(i => errors[i] == null)];
        if (input.Color == ColorMode.Rgb && good.Length > 0 && good.All(i => gray[i]))
            throw new DataFormatException(paths[0], $"{(paths.Count == 1 && !Directory.Exists(paths[0]) ? "is a grayscale image" : $"holds only grayscale images ({good.Length:N0} {(good.Length == 1 ? "file" : "files")})")}, but the model was trained on RGB images; give it colour images.");
        var batch = new Tensors.Tensor([good.Length, .. model.InputShape]);
        for (int k = 0; k < good.Length; k++) PixelScaling.ToUnitRange(pixels.AsSpan(good[k] * size, size), batch.Span.Slice(k * size, size));
        var probabilities = good.Length == 0 ? null : model.Predict(batch, batchSize: ModelCommands.InferenceBatch(model));
        var inputNames = InputNames(files);
        int classes = input.ClassNames.Count, failures = 0;
        for (int i = 0, k = 0; i < files.Count; i++)
        {
            if (errors[i] != null)
            {
                Console.Error.WriteLine($"tailor: error: {ErrorText.Name(files[i])}: {ErrorText.OneLine(errors[i]!)}");
                failures++;
                continue;
            }
            var row = probabilities!.Span.Slice(k++ * classes, classes).ToArray();
            if (!row.All(float.IsFinite))
                throw new ModelFormatException(modelPath, $"the model's outputs for {ErrorText.Name(files[i])} are not finite numbers, so they rank nothing.");
            var top = Enumerable.Range(0, classes).OrderByDescending(c => row[c]).ThenBy(c => c).Take(3)
                .Select(c => new PredictedClass(c, input.ClassNames[c], row[c])).ToArray();
            Console.WriteLine(new PhotoPrediction(files[i], top, null, null));
            if (inputsOut == null) continue;
            var image = pixels.AsSpan(i * size, size);
            AtomicFile.WriteAllBytes(Path.Combine(inputsOut, inputNames[i]), input.Color == ColorMode.Rgb
                ? ImageEncoder.EncodeRgb(image, input.Height, input.Width, ImageFileFormat.Png)
                : ImageEncoder.EncodeGray(image, input.Height, input.Width, ImageFileFormat.Png));
        }
        if (inputsOut != null && failures < files.Count) Console.WriteLine($"Wrote the model's inputs to {ErrorText.Name(Path.GetFullPath(inputsOut))}");
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private const string InputSuffix = ".input.png";

    /// <summary>
    /// The file each image's input is written to: NAME.input.png, or NAME.2.input.png, NAME.3.input.png
    /// for the later images of the same name (from different folders), so that none overwrites another.
    /// </summary>
    internal static string[] InputNames(IReadOnlyList<string> files)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var names = new string[files.Count];
        for (int i = 0; i < files.Count; i++)
        {
            string name = Path.GetFileName(files[i]);
            string candidate = name + InputSuffix;
            for (int n = 2; !taken.Add(candidate); n++) candidate = $"{name}.{n}{InputSuffix}";
            names[i] = candidate;
        }
        return names;
    }
}
