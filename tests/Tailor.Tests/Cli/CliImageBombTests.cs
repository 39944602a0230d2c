using Tailor.Tests.Data;
using Tailor.Tests.Data.Images;
using static Tailor.Tests.Cli.HostileImageInputs;

namespace Tailor.Tests.Cli;

/// <summary>
/// Decompression bombs (a small file whose header declares a huge image) in `predict` and `train --images`:
/// refused from the header, before decoding, with one line each, within BoundedCli's 1 GiB; the budget is
/// --max-image-pixels.
/// </summary>
public sealed class CliImageBombTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Predict_refuses_a_bomb_of_each_format_with_one_line_and_predicts_the_rest()
    {
        string model = ModelFile(_temp.File("model.safetensors"));
        string photos = _temp.Subfolder("photos");
        string good = Photo(Path.Combine(photos, "good.png"));
        string[] bombs = [.. ImageBombs.Names.Select(f => TestImages.Write(Path.Combine(photos, "bomb" + ImageBombs.Extension(f)), ImageBombs.Of(f)))];
        var inputs = PathSnapshot.Take(photos, model);

        var result = BoundedCli.Run(_temp.Path, "predict", "--model", model, photos);

        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
        Assert.Equal(bombs.Length, result.ErrorLines.Length);
        foreach (string bomb in bombs)
        {
            string line = Assert.Single(result.ErrorLines, l => l.StartsWith($"tailor: error: {bomb}: ", StringComparison.Ordinal));
            Assert.Matches(@"declares \d+ x \d+ pixels \([\d,]+\), more than the limit of 50,000,000 per image", line);
        }
        Assert.StartsWith(good + ": ", Assert.Single(PredictionLines(result)));
        inputs.AssertUnchanged();
    }

    [Fact]
    public void Train_images_stops_at_a_bomb_with_one_line_naming_it()
    {
        string images = ImageDataset(_temp.File("images"));
        string bomb = TestImages.Write(Path.Combine(images, "train", "class3", "bomb.png"), ImageBombs.Png(30_000, 30_000));
        var inputs = PathSnapshot.Take(images);

        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, TrainArguments(images, _temp.File("out"))), bomb, "declares 30000 x 30000 pixels", "--max-image-pixels");

        Assert.False(Directory.Exists(_temp.File("out")));
        inputs.AssertUnchanged();
    }

    [Fact]
    public void The_budget_is_the_max_image_pixels_option_of_predict_and_train()
    {
        string model = ModelFile(_temp.File("model.safetensors"));
        string photo = Photo(_temp.File("photo.png"), 40, 40);
        string images = ImageDataset(_temp.File("images"));

        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, "predict", "--model", model, photo, "--max-image-pixels", "1599"), photo, "declares 40 x 40 pixels (1,600), more than the limit of 1,599");
        Assert.Single(PredictionLines(BoundedCli.Run(_temp.Path, "predict", "--model", model, photo, "--max-image-pixels", "1600")));
        string first = Path.Combine(images, "train", "class0", "0.png");
        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, TrainArguments(images, _temp.File("out"), "--max-image-pixels", "783")), first, "more than the limit of 783");
        var zero = BoundedCli.Run(_temp.Path, "predict", "--model", model, photo, "--max-image-pixels", "0");
        BoundedCli.AssertRefused(zero, "--max-image-pixels must be 1 to 1,000,000,000", "received 0");
        Assert.Equal(2, zero.ExitCode);
    }
}
