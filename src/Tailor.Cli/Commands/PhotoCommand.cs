using Tailor.Common;
using Tailor.Models;
using Tailor.Serialization;

namespace Tailor.Cli.Commands;

/// <summary>`tailor predict --model FILE photo.jpg [more files or folders]`: the top 3 classes of each image file.</summary>
internal static class PhotoCommand
{
    public static int Predict(Sequential model, string modelPath, IReadOnlyList<string> paths, string? inputsOut)
    {
        var files = PhotoPredictor.ExpandPaths(paths);
        if (files.Count == 0) throw new UsageException($"No image files in {string.Join(", ", paths)}; expected files ending in .jpg, .jpeg, .png, .bmp, .webp or .gif.");
        var predictions = new PhotoPredictor(model).Predict(files, top: 3);
        if (predictions.FirstOrDefault(p => p.Succeeded && !p.Top.All(c => float.IsFinite(c.Probability))) is { } broken)
            throw new ModelFormatException(modelPath, $"the model's outputs for {ErrorText.Name(broken.Path)} are not finite numbers, so they rank nothing.");
        int failures = 0;
        foreach (var p in predictions)
        {
            if (!p.Succeeded)
            {
                // One line per file that could not be read; the others are still predicted.
                Console.Error.WriteLine($"tailor: error: {p.Path}: {p.Error}");
                failures++;
                continue;
            }
            Console.WriteLine(p);
            if (inputsOut != null)
                p.Input!.SavePng(Path.Combine(inputsOut, Path.GetFileName(p.Path) + ".input.png"));
        }
        if (inputsOut != null && failures < predictions.Count)
            Console.WriteLine($"Wrote the model's inputs to {Path.GetFullPath(inputsOut)}");
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }
}
