using Tailor.Data;
using Tailor.Tests.Data;
using Tailor.Tests.Data.Images;
using static Tailor.Tests.Cli.HostileImageInputs;

namespace Tailor.Tests.Cli;

/// <summary>
/// Special files and links where the commands expect input files: a FIFO or a device is refused with one
/// line naming it (or skipped with one warning under --skip-unreadable), never opened, so nothing blocks or
/// reads forever; links to folders inside an image folder are not followed; a file is checked against its
/// header before it is read whole. Each command runs under BoundedCli (30 s, 1 GiB) and leaves its inputs as
/// they were, FIFOs still FIFOs.
/// </summary>
public sealed class CliSpecialFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Out => _temp.File("out");

    [Fact]
    public void Predict_refuses_a_fifo_named_like_an_image_and_predicts_the_rest()
    {
        string model = ModelFile(_temp.File("model.safetensors"));
        string photos = _temp.Subfolder("photos");
        string good = Photo(Path.Combine(photos, "good.png"));
        string fifo = SpecialFiles.Fifo(Path.Combine(photos, "x.png"));
        var inputs = PathSnapshot.Take(_temp.Path);

        var result = BoundedCli.Run(_temp.Path, "predict", "--model", model, photos);

        Assert.Equal(1, result.ExitCode);
        BoundedCli.AssertOneErrorLine(result, $"tailor: error: {fifo}: is a FIFO (named pipe), not a regular file; an image must be a regular file.");
        Assert.StartsWith(good + ": ", Assert.Single(PredictionLines(result)));
        inputs.AssertUnchanged();
    }

    [Theory]
    [InlineData("fifo")]
    [InlineData("bomb")]
    public void Train_images_without_skip_unreadable_stops_at_a_fifo_or_a_bomb_with_one_line(string kind)
    {
        string images = ImageDataset(_temp.File("images"));
        string bad = Path.Combine(images, "train", "class8", "x.png");
        if (kind == "fifo") SpecialFiles.Fifo(bad);
        else TestImages.Write(bad, ImageBombs.Png(20_000, 20_000));
        var inputs = PathSnapshot.Take(images);

        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, TrainArguments(images, Out)), bad, kind == "fifo" ? "is a FIFO (named pipe)" : "declares 20000 x 20000 pixels");

        Assert.False(Directory.Exists(Out));
        inputs.AssertUnchanged();
    }

    [Fact]
    public void Train_images_with_skip_unreadable_skips_a_fifo_and_a_bomb_with_one_warning_each()
    {
        string images = ImageDataset(_temp.File("images"));
        string fifo = SpecialFiles.Fifo(Path.Combine(images, "train", "class8", "x.png"));
        string bomb = TestImages.Write(Path.Combine(images, "test", "class2", "bomb.png"), ImageBombs.Png(30_000, 30_000));
        var inputs = PathSnapshot.Take(images);

        var result = BoundedCli.Run(_temp.Path, TrainArguments(images, Out, "--skip-unreadable"));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.Equal(
            [$"tailor: warning: skipped {fifo}: is a FIFO (named pipe), not a regular file; an image must be a regular file.",
             $"tailor: warning: skipped {bomb}: declares 30000 x 30000 pixels (900,000,000), more than the limit of 50,000,000 per image; raise it with --max-image-pixels (MaxImagePixels in code) if the image is genuine."],
            result.ErrorLines);
        Assert.Contains("on 10 images, validating on 10, testing on 10.", result.Stdout);
        Assert.True(File.Exists(Path.Combine(Out, "model.safetensors")));
        inputs.AssertUnchanged();
    }

    [Fact]
    public void Links_to_folders_inside_an_image_folder_are_not_followed_and_links_to_files_are_read()
    {
        string images = ImageDataset(_temp.File("images"));
        string outside = _temp.Subfolder("outside");
        for (int i = 0; i < 5; i++) TestImages.Write(Path.Combine(outside, $"{i}.png"), TestImages.GrayPng(new byte[784], 28, 28));
        string bag = Path.Combine(images, "train", "class8");
        string loop = Path.Combine(bag, "loop");
        string away = Path.Combine(bag, "usr");
        File.CreateSymbolicLink(loop, "..");
        File.CreateSymbolicLink(away, outside);
        File.CreateSymbolicLink(Path.Combine(bag, "linked.png"), Path.Combine(outside, "0.png"));
        var inputs = PathSnapshot.Take(images, outside);

        var result = BoundedCli.Run(_temp.Path, TrainArguments(images, Out));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(
            [$"tailor: warning: did not follow {loop}: a symbolic link to a folder (links to folders are not followed inside --images)",
             $"tailor: warning: did not follow {away}: a symbolic link to a folder (links to folders are not followed inside --images)"],
            result.ErrorLines);
        // Ten images and the linked file, not the 30 a loop back to train/ would add, nor the 5 outside.
        Assert.Contains("on 11 images, validating on 10, testing on 10.", result.Stdout);
        inputs.AssertUnchanged();
    }

    [Fact]
    public void Resume_refuses_a_fifo_named_like_a_checkpoint()
    {
        string checkpoints = _temp.Subfolder("checkpoints");
        string fifo = SpecialFiles.Fifo(Path.Combine(checkpoints, "checkpoint-e0001-s00000.safetensors"));
        var inputs = PathSnapshot.Take(checkpoints);

        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, "train", "--resume", checkpoints, "--out", Out), fifo, "is a FIFO (named pipe), not a regular file; a checkpoint must be a regular file.");

        Assert.False(Directory.Exists(Out));
        inputs.AssertUnchanged();
    }

    public static TheoryData<string> ModelCommands => ["predict", "evaluate", "export"];

    [Theory]
    [MemberData(nameof(ModelCommands))]
    public void A_model_that_is_a_fifo_is_refused_by_every_command(string command) =>
        AssertModelRefused(command, SpecialFiles.Fifo(_temp.File("model.safetensors")), "is a FIFO (named pipe)");

    [DeviceFact]
    public void A_model_that_is_a_device_like_dev_zero_is_refused_by_every_command()
    {
        string zero = SpecialFiles.CharacterDevice(_temp.File("zero"), major: 1, minor: 5);
        foreach (string command in ModelCommands) AssertModelRefused(command, zero, "is a character device");
    }

    private void AssertModelRefused(string command, string model, string what)
    {
        string photo = Photo(_temp.File("photo.png"));
        var inputs = PathSnapshot.Take(_temp.Path);
        string[] args = command switch
        {
            "predict" => ["predict", "--model", model, photo],
            "evaluate" => ["evaluate", "--model", model],
            _ => ["export", "--model", model, "--onnx", Path.Combine(Out, "model.onnx")],
        };

        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, args), model, what, "a model file must be a regular file");

        inputs.AssertUnchanged();
    }

    [Fact]
    public void A_model_file_with_gigabytes_after_its_tensors_is_refused_from_its_header_without_reading_them()
    {
        string model = ModelFile(_temp.File("model.safetensors"));
        long length = new FileInfo(model).Length;
        // 1.5 GiB of sparse zeros: more than the 1 GiB the command may hold, had it read the file whole.
        using (var stream = new FileStream(model, FileMode.Open)) stream.SetLength(length + (3L << 29));
        var written = File.GetLastWriteTimeUtc(model);

        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, "evaluate", "--model", model), model, $"the file has {length - 8 - HeaderLength(model) + (3L << 29)}: bytes follow the last tensor");

        // Not hashed as PathSnapshot would: that reads the 1.5 GiB.
        Assert.Equal((length + (3L << 29), written), (new FileInfo(model).Length, File.GetLastWriteTimeUtc(model)));
    }

    private static long HeaderLength(string safetensors)
    {
        using var stream = File.OpenRead(safetensors);
        var prefix = new byte[8];
        stream.ReadExactly(prefix);
        return BitConverter.ToInt64(prefix);
    }

    [Fact]
    public void Tune_refuses_a_search_space_that_is_a_fifo_or_too_large()
    {
        string fifo = SpecialFiles.Fifo(_temp.File("space.json"));
        string large = _temp.File("large.json");
        File.WriteAllText(large, "{\"activation\": [\"relu\"]}" + new string(' ', 2 << 20));
        var inputs = PathSnapshot.Take(_temp.Path);

        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, "tune", "--space", fifo, "--out", Out), fifo, "is a FIFO (named pipe), not a regular file; a search space file must be a regular file.");
        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, "tune", "--space", large, "--out", Out), large, "more than a search space file may have (1,048,576 at most)");

        inputs.AssertUnchanged();
    }

    [Fact]
    public void Data_commands_refuse_an_idx_file_that_is_a_fifo()
    {
        string data = SyntheticFashion.TouchFiles(_temp.File("data"));
        string fifo = Path.Combine(data, FashionMnist.TrainImages.Name);
        File.Delete(fifo);
        SpecialFiles.Fifo(fifo);
        var inputs = PathSnapshot.Take(_temp.Path);

        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, "data", "info", "--data", data), fifo, "is a FIFO (named pipe), not a regular file; an IDX file must be a regular file.");
        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, "data", "download", "--to", data), fifo, "is a FIFO (named pipe)");

        inputs.AssertUnchanged();
    }

    [Fact]
    public void Train_images_refuses_an_export_manifest_that_is_a_fifo()
    {
        string images = ImageDataset(_temp.File("images"));
        string fifo = SpecialFiles.Fifo(Path.Combine(images, "export.json"));
        var inputs = PathSnapshot.Take(images);

        BoundedCli.AssertRefused(BoundedCli.Run(_temp.Path, TrainArguments(images, Out)), fifo, "is a FIFO (named pipe), not a regular file; an export manifest must be a regular file.");

        inputs.AssertUnchanged();
    }
}
