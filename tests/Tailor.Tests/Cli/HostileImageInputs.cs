using SkiaSharp;
using Tailor.Models;
using Tailor.Tests.Data.Images;
using Tailor.Serialization;

namespace Tailor.Tests.Cli;

/// <summary>The inputs the image commands are checked with: a tiny image dataset for `train --images`, a model file and a photo for `predict`.</summary>
internal static class HostileImageInputs
{
    public const int Classes = 10;

    /// <summary>DIR/train, DIR/validation and DIR/test with one 28x28 gray PNG in each of class0 to class9 (10 images each).</summary>
    public static string ImageDataset(string directory)
    {
        foreach (string split in new[] { "train", "validation", "test" })
            for (int label = 0; label < Classes; label++)
                TestImages.Write(Path.Combine(directory, split, $"class{label}", "0.png"), TestImages.GrayPng(Enumerable.Repeat((byte)(label * 25), 784).ToArray(), 28, 28));
        return directory;
    }

    /// <summary>An untrained (compiled) dense model saved as a model file: predict needs its shape, not its skill.</summary>
    public static string ModelFile(string path)
    {
        var model = NotebookModels.Create(NotebookModel.Dense, seed: 3);
        model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
        model.Save(path);
        return path;
    }

    public static string Photo(string path, int width = 60, int height = 80) =>
        TestImages.Write(path, GarmentPhotos.Draw(width, height, SKColors.White, SKColors.Black, SKEncodedImageFormat.Png));

    /// <summary>`train --images DIR` of the dense model for one epoch, output in OUT, and any more arguments.</summary>
    public static string[] TrainArguments(string images, string output, params string[] more) =>
        ["train", "--images", images, "--model", "dense", "--epochs", "1", "--out", output, .. more];

    /// <summary>The lines of standard output that are predictions ("FILE: class p%, ...").</summary>
    public static string[] PredictionLines(CliProcess.Result result) =>
        [.. result.Stdout.Split('\n').Where(l => l.Contains('%'))];
}
