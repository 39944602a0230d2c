using SkiaSharp;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Models;
using Tailor.Tests.Data;
using Tailor.Tests.Data.Images;

namespace Tailor.Tests.Models;

public sealed class PhotoPredictorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The acceptance folder: JPEG and PNG of different sizes, light-on-dark, dark-on-white, gray with alpha, colour, and a corrupt file.</summary>
    private string PhotoFolder()
    {
        string folder = _temp.Subfolder("photos");
        TestImages.Write(Path.Combine(folder, "a-light-on-dark.png"), GarmentPhotos.Draw(64, 48, SKColors.White, SKColors.Black, SKEncodedImageFormat.Png));
        TestImages.Write(Path.Combine(folder, "b-dark-on-white.jpg"), GarmentPhotos.Draw(640, 480, new SKColor(30, 30, 30), SKColors.White, SKEncodedImageFormat.Jpeg));
        TestImages.Write(Path.Combine(folder, "c-gray-alpha.png"), GarmentPhotos.Draw(200, 300, new SKColor(60, 60, 60, 255), SKColors.Transparent, SKEncodedImageFormat.Png));
        TestImages.Write(Path.Combine(folder, "d-broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        TestImages.Write(Path.Combine(folder, "e-colour.jpeg"), GarmentPhotos.Draw(333, 222, new SKColor(30, 90, 200), new SKColor(250, 245, 235), SKEncodedImageFormat.Jpeg));
        File.WriteAllText(Path.Combine(folder, "readme.txt"), "not an image: left out of the folder");
        return folder;
    }

    /// <summary>An untrained notebook model: what matters here is the plumbing, not what it answers.</summary>
    private static Sequential Model(NotebookModel kind = NotebookModel.Cnn) => NotebookModels.Create(kind, seed: 7);

    [Fact]
    public void Each_good_file_gets_a_top_3_and_the_corrupt_one_a_one_line_error_naming_it()
    {
        var files = PhotoPredictor.ExpandPaths([PhotoFolder()]);
        var predictions = new PhotoPredictor(Model(), FashionMnist.ClassNames).Predict(files);

        Assert.Equal(["a-light-on-dark.png", "b-dark-on-white.jpg", "c-gray-alpha.png", "d-broken.jpg", "e-colour.jpeg"], predictions.Select(p => Path.GetFileName(p.Path)));
        foreach (var p in predictions.Where(p => !p.Path.EndsWith("d-broken.jpg", StringComparison.Ordinal)))
        {
            Assert.True(p.Succeeded, p.ToString());
            Assert.Equal(3, p.Top.Count);
            Assert.True(p.Top[0].Probability >= p.Top[1].Probability && p.Top[1].Probability >= p.Top[2].Probability);
            Assert.Equal(3, p.Top.Select(c => c.Label).Distinct().Count());
            Assert.All(p.Top, c => Assert.Equal(FashionMnist.ClassNames[c.Label], c.ClassName));
            Assert.Matches(@"^.*\.(png|jpg|jpeg): [^,]+ \d+\.\d%, [^,]+ \d+\.\d%, [^,]+ \d+\.\d%$", p.ToString());
        }
        var broken = predictions[3];
        Assert.False(broken.Succeeded);
        Assert.Empty(broken.Top);
        string line = broken.ToString();
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith(files[3] + ": error: ", line);
    }

    [Fact]
    public void The_probabilities_are_the_models_own_for_the_preprocessed_input()
    {
        var model = Model();
        var files = PhotoPredictor.ExpandPaths([PhotoFolder()]);

        var predictions = new PhotoPredictor(model, FashionMnist.ClassNames).Predict(files, top: 10);

        foreach (var p in predictions.Where(p => p.Succeeded))
        {
            var expected = model.Predict(p.Input!.ToTensor()).Span.ToArray();
            Assert.All(p.Top, c => Assert.Equal(expected[c.Label], c.Probability));
            Assert.Equal(1.0, p.Top.Sum(c => (double)c.Probability), 4);
        }
    }

    [Fact]
    public void A_functional_model_predicts_photos_with_its_own_probabilities()
    {
        var resnet = NotebookModels.CreateModel(NotebookModel.ResNet, seed: 7);
        var files = PhotoPredictor.ExpandPaths([PhotoFolder()]);

        var predictions = new PhotoPredictor(resnet, FashionMnist.ClassNames).Predict(files, top: 10);

        Assert.Equal(4, predictions.Count(p => p.Succeeded));
        foreach (var p in predictions.Where(p => p.Succeeded))
        {
            var expected = resnet.Predict(p.Input!.ToTensor()).Span.ToArray();
            Assert.All(p.Top, c => Assert.Equal(expected[c.Label], c.Probability));
        }
    }

    [Fact]
    public void The_dense_model_takes_the_same_photo_flattened()
    {
        var files = PhotoPredictor.ExpandPaths([PhotoFolder()]);

        var predictions = new PhotoPredictor(Model(NotebookModel.Dense), FashionMnist.ClassNames).Predict(files);

        Assert.Equal(4, predictions.Count(p => p.Succeeded));
    }

    [Fact]
    public void A_missing_file_is_an_error_result_too()
    {
        string good = TestImages.Write(_temp.File("shirt.png"), GarmentPhotos.Draw(50, 50, SKColors.White, SKColors.Black, SKEncodedImageFormat.Png));
        string missing = _temp.File("nowhere.jpg");

        var predictions = new PhotoPredictor(Model(), FashionMnist.ClassNames).Predict(PhotoPredictor.ExpandPaths([missing, good]));

        Assert.StartsWith($"{missing}: error: could not be read", predictions[0].ToString());
        Assert.True(predictions[1].Succeeded);
    }

    [Fact]
    public void A_model_that_is_not_square_grayscale_or_has_other_outputs_is_refused_up_front()
    {
        Assert.Contains("10 outputs", Assert.Throws<ArgumentException>(() => new PhotoPredictor(Model(), ["a", "b"])).Message);

        var unbuilt = new Sequential();
        unbuilt.Add(new Tailor.Layers.Core.Dense(10));
        Assert.Contains("not built", Assert.Throws<ArgumentException>(() => new PhotoPredictor(unbuilt, FashionMnist.ClassNames)).Message);

        var rgb = new Sequential();
        rgb.Add(new Tailor.Layers.Core.Flatten());
        rgb.Add(new Tailor.Layers.Core.Dense(10));
        rgb.Build(28, 28, 3);
        Assert.Contains("(28, 28, 3)", Assert.Throws<ArgumentException>(() => new PhotoPredictor(rgb, FashionMnist.ClassNames)).Message);
    }
}
