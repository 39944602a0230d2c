#:project ../src/Tailor.Datasets/Tailor.Datasets.csproj
#:property InvariantGlobalization=true
// Run from the repository root: dotnet run -c Release scripts/photo-eval.cs
// Trains the notebook CNN (seed 1, 10 epochs, as `tailor train --model cnn`), then "photographs" each of the
// 2,500 sampled test images: enlarged 4-12x with smoothing, inverted to dark-on-white (or kept light-on-dark),
// placed off-centre on a page of random size and paper tone, saved as JPEG quality 90;
// PhotoPredictor classifies the files and its top-1 accuracy is compared with the model's on the IDX tensors.
using SkiaSharp;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Models;
using Tailor.Studies;

var dataset = FashionMnist.Load("data/fashion");
var sample = FashionSample.Draw(dataset);
var run = TrainingRun.Train(sample, new TrainingOptions { Model = NotebookModel.Cnn, Epochs = 10, Seed = 1 }, verbose: 0);
Console.WriteLine($"IDX test accuracy: {run.Test.Accuracy:F4}");

var rng = new Random(42);
foreach (bool darkOnWhite in new[] { true, false })
{
    string folder = Path.Combine(Path.GetTempPath(), "tailor-photo-eval", darkOnWhite ? "dark-on-white" : "light-on-dark");
    if (Directory.Exists(folder)) Directory.Delete(folder, true);
    Directory.CreateDirectory(folder);
    var files = new List<string>();
    for (int k = 0; k < sample.TestIndices.Count; k++)
    {
        int index = sample.TestIndices[k];
        var pixels = dataset.Test.Image(index).ToArray();
        int scale = rng.Next(4, 13), side = 28 * scale;
        int pageW = side + rng.Next(20, 200), pageH = side + rng.Next(20, 200);
        int left = rng.Next(5, pageW - side - 5), top = rng.Next(5, pageH - side - 5);
        byte paper = (byte)(darkOnWhite ? rng.Next(215, 256) : rng.Next(0, 30));
        var gray = new byte[784];
        for (int i = 0; i < 784; i++) gray[i] = darkOnWhite ? (byte)Math.Max(0, paper - pixels[i]) : (byte)Math.Min(255, paper + pixels[i]);
        using var garment = SKImage.FromPixelCopy(new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque), gray);
        using var surface = SKSurface.Create(new SKImageInfo(pageW, pageH, SKColorType.Rgba8888, SKAlphaType.Premul))!;
        surface.Canvas.Clear(new SKColor(paper, paper, paper));
        surface.Canvas.DrawImage(garment, new SKRect(0, 0, 28, 28), new SKRect(left, top, left + side, top + side), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None));
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        string path = Path.Combine(folder, $"{k:00000}.jpg");
        File.WriteAllBytes(path, data.ToArray());
        files.Add(path);
    }
    foreach (var options in new[] { new PhotoPreprocessorOptions(), new PhotoPreprocessorOptions { ForegroundThreshold = 0.05 }, new PhotoPreprocessorOptions { ForegroundThreshold = 0.2 }, new PhotoPreprocessorOptions { Margin = 4, Centering = PhotoCentering.CenterOfMass } })
    {
        var predictions = new PhotoPredictor(run.Model, options: options).Predict(files, top: 1);
        int correct = 0;
        for (int k = 0; k < predictions.Count; k++) if (predictions[k].Top[0].Label == sample.Test.Labels[k]) correct++;
        Console.WriteLine($"{(darkOnWhite ? "dark on white" : "light on dark")} JPEG photos, {options}: top-1 accuracy {correct / (double)predictions.Count:F4} ({predictions.Count} files, failures {predictions.Count(p => !p.Succeeded)})");
    }
}
