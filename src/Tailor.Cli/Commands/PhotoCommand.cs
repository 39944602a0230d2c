using Tailor.Common;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Models;
using Tailor.Serialization;

namespace Tailor.Cli.Commands;

/// <summary>`tailor predict --model FILE photo.jpg [more files or folders]`: the top 3 classes of each image file.</summary>
internal static class PhotoCommand
{
    public static int Predict(Sequential model, string modelPath, IReadOnlyList<string> paths, string? inputsOut, long maxImagePixels)
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
