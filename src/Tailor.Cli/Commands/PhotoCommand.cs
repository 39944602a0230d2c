using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Models;

namespace Tailor.Cli.Commands;

/// <summary>`tailor predict --model FILE photo.jpg [more files or folders]`: the top 3 classes of each image file.</summary>
internal static class PhotoCommand
{
    public static int Predict(Sequential model, IReadOnlyList<string> paths, string? inputsOut, long maxImagePixels)
    {
        var files = PhotoPredictor.ExpandPaths(paths);
        if (files.Count == 0) throw new UsageException($"No image files in {string.Join(", ", paths)}; expected files ending in .jpg, .jpeg, .png, .bmp, .webp or .gif.");
        var predictions = new PhotoPredictor(model, FashionMnist.ClassNames, new PhotoPreprocessorOptions { MaxImagePixels = maxImagePixels }).Predict(files, top: 3);
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
