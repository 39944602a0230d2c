using System.Diagnostics;
using Tailor.Data;
using Tailor.Models;
using Tailor.Studies;
using Tailor.Tests.Data;
using Tailor.Serialization;

namespace Tailor.Tests.Cli;

/// <summary>
/// Outputs never destroy what is at their path or what the command reads: a FIFO, device, symbolic link
/// or folder at an output path is refused; so is an output that is one of the inputs (by file identity:
/// another path or a hard link to the model is caught) or lies inside an input folder. A command that
/// fails leaves its output folder as the earlier run left it.
/// </summary>
public sealed class OutputSafetyTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string DataFolder(int train = 2_001, int test = 501)
    {
        string folder = _temp.Subfolder("data");
        SyntheticFashion.WriteFiles(folder, SyntheticFashion.Dataset(trainCount: train, testCount: test));
        return folder;
    }

    private string ModelFile(string name = "v.safetensors")
    {
        string path = _temp.File(name);
        var model = NotebookModels.Create(NotebookModel.Dense, seed: 1);
        model.Save(path);
        return path;
    }

    private CliProcess.Result Run(params string[] args) => BoundedCli.Run(_temp.Path, args);

    [Fact]
    public void Data_show_refuses_a_fifo_at_its_output_and_leaves_it_a_fifo()
    {
        string data = DataFolder();
        string fifo = SpecialFiles.Fifo(_temp.File("image.png"));
        var before = PathSnapshot.Take(_temp.Path);

        BoundedCli.AssertRefused(Run("data", "show", "--index", "5", "--data", data, "--out", fifo), "--out", fifo, "FIFO");

        before.AssertUnchanged();
    }

    [SkippableFact]
    public void Data_show_refuses_a_character_device_at_its_output()
    {
        Skip.IfNot(SpecialFiles.CanMakeDevices, "mknod needs root.");
        string data = DataFolder();
        string device = SpecialFiles.CharacterDevice(_temp.File("full"));
        var before = PathSnapshot.Take(_temp.Path);

        BoundedCli.AssertRefused(Run("data", "show", "--index", "5", "--data", data, "--out", device), "--out", device, "character device");

        before.AssertUnchanged();
    }

    [Fact]
    public void Data_show_refuses_a_symbolic_link_or_a_folder_at_its_output()
    {
        string data = DataFolder();
        string target = _temp.File("precious.txt");
        File.WriteAllText(target, "keep me");
        string link = _temp.File("link.png");
        File.CreateSymbolicLink(link, target);
        string folder = _temp.Subfolder("folder.png");
        var before = PathSnapshot.Take(_temp.Path);

        BoundedCli.AssertRefused(Run("data", "show", "--index", "5", "--data", data, "--out", link), "--out", link, "symbolic link");
        BoundedCli.AssertRefused(Run("data", "show", "--grid", "--data", data, "--out", folder), "--out", folder, "directory");

        before.AssertUnchanged();
    }

    [Fact]
    public void Data_show_refuses_to_write_over_a_dataset_file()
    {
        string data = DataFolder();
        string images = Path.Combine(data, FashionMnist.TrainImages.Name);
        var before = PathSnapshot.Take(_temp.Path);

        BoundedCli.AssertRefused(Run("data", "show", "--index", "5", "--data", data, "--out", images), "--out", images, "data file");

        before.AssertUnchanged();
    }

    [Fact]
    public void An_output_beside_the_data_files_or_named_as_a_model_kind_is_written()
    {
        string data = DataFolder();
        Directory.CreateDirectory(_temp.File("dense"));

        var grid = Run("data", "show", "--grid", "--data", data, "--out", Path.Combine(data, "grid.png"));
        var train = Run("train", "--model", "dense", "--data", data, "--epochs", "1", "--train-images", "200", "--test-images", "50", "--out", "dense");

        Assert.True(grid.ExitCode == 0, grid.Stderr);
        Assert.True(File.Exists(Path.Combine(data, "grid.png")));
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.True(File.Exists(_temp.File("dense/model.safetensors")));
    }

    [Fact]
    public void Export_refuses_to_write_the_onnx_file_over_its_own_model()
    {
        string model = ModelFile();
        string sameByAnotherPath = Path.Combine(_temp.Subfolder("sub"), "..", "v.safetensors");
        string hardLink = _temp.File("hard.onnx");
        Link(model, hardLink);
        var before = PathSnapshot.Take(_temp.Path);

        BoundedCli.AssertRefused(Run("export", "--model", model, "--onnx", model), "--onnx", "--model");
        BoundedCli.AssertRefused(Run("export", "--model", model, "--onnx", sameByAnotherPath), "--onnx", "--model");
        BoundedCli.AssertRefused(Run("export", "--model", model, "--onnx", hardLink), "--onnx", "--model");

        before.AssertUnchanged();
        Assert.NotNull(Sequential.Load(model));
    }

    [Theory]
    [InlineData("--probabilities")]
    [InlineData("--heatmap")]
    [InlineData("--confused")]
    public void Evaluate_refuses_to_write_an_output_over_its_model(string option)
    {
        string data = DataFolder();
        string model = ModelFile();
        var before = PathSnapshot.Take(_temp.Path);

        BoundedCli.AssertRefused(Run("evaluate", "--model", model, "--data", data, option, model), option, "--model");

        before.AssertUnchanged();
    }

    [Fact]
    public void Evaluate_prints_the_classification_report_and_writes_the_heatmap_and_the_confused_images()
    {
        string data = DataFolder();
        // A model file that records a small sample, so that its test images can be drawn from the small data.
        string model = _temp.File("small.safetensors");
        var options = new TrainingOptions { Model = NotebookModel.Dense, Epochs = 1, Seed = 1 };
        var sample = FashionSampleOptions.Notebook with { TrainCount = 400, ValidationCount = 100, TestCount = 300 };
        Tailor.Serialization.ModelFile.Save(NotebookModels.Create(NotebookModel.Dense, seed: 1), model, includeOptimizer: false,
            new Dictionary<string, string> { [Checkpointing.OptionsKey] = options.ToJson(sample) });

        var result = Run("evaluate", "--model", model, "--data", data, "--heatmap", _temp.File("heat.png"), "--confused", _temp.File("confused.png"));

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("precision    recall  f1-score   support", result.Stdout);
        Assert.Matches(@"\n\s+macro avg\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+300\n", result.Stdout);
        Assert.Contains("Confusion matrix (rows: true class, columns: predicted class):", result.Stdout);
        Assert.Contains("Most confused:", result.Stdout);
        Assert.True(Tailor.Visualization.PngFile.IsPng(File.ReadAllBytes(_temp.File("heat.png"))));
        Assert.True(Tailor.Visualization.PngFile.IsPng(File.ReadAllBytes(_temp.File("confused.png"))));
    }

    [Fact]
    public void Train_refuses_an_out_that_is_a_file_or_inside_its_image_folder_before_training()
    {
        string data = DataFolder();
        string file = _temp.File("results.txt");
        File.WriteAllText(file, "an earlier result");
        string images = _temp.Subfolder("images");
        var before = PathSnapshot.Take(_temp.Path);

        var onFile = Run("train", "--model", "dense", "--data", data, "--epochs", "1", "--train-images", "200", "--test-images", "50", "--out", file);
        BoundedCli.AssertRefused(onFile, "--out", file);
        Assert.DoesNotContain("Epoch", onFile.Stdout);
        BoundedCli.AssertRefused(Run("train", "--model", "dense", "--images", images, "--out", Path.Combine(images, "run")), "--out", "--images");

        before.AssertUnchanged();
    }

    [Fact]
    public void Train_refuses_no_validation_images_before_training()
    {
        string data = DataFolder();
        var before = PathSnapshot.Take(_temp.Path);

        var result = Run("train", "--model", "dense", "--data", data, "--epochs", "1", "--train-images", "200", "--validation-images", "0", "--out", _temp.File("out"));

        BoundedCli.AssertRefused(result, "--validation-images");
        Assert.DoesNotContain("Epoch", result.Stdout);
        before.AssertUnchanged();
    }

    [SkippableFact]
    public void A_train_run_that_fails_for_want_of_space_leaves_the_earlier_outputs_whole() =>
        FailsForWantOfSpace(
            ["train", "--model", "dense", "--data", DataFolder(), "--epochs", "1", "--train-images", "200", "--test-images", "50"],
            ["accuracy.png", "history.csv", "loss.png", "metrics.json", "model.safetensors", "summary.txt"],
            room: 200_000); // less than the model file (~0.9 MB), more than the others

    [SkippableFact]
    public void A_study_that_fails_for_want_of_space_leaves_the_earlier_report_whole() =>
        FailsForWantOfSpace(
            ["study", "gradients", "--quick", "--epochs", "1", "--hidden-layers", "3", "--data", DataFolder(train: 10_001, test: 2_501)],
            ["accuracy.png", "gradients-relu-he.png", "gradients-sigmoid-batchnorm.png", "gradients-sigmoid-glorot.png", "gradients.json", "loss.png", "report.html"],
            room: 60_000);

    /// <summary>
    /// Runs <paramref name="command"/> into an output folder on a 4 MB tmpfs, fills the disk but for
    /// <paramref name="room"/> bytes, runs it again with another seed, and checks the second run fails
    /// in one line and leaves the first run's files as they were.
    /// </summary>
    private void FailsForWantOfSpace(string[] command, string[] outputs, long room)
    {
        string disk = _temp.Subfolder("disk");
        Skip.IfNot(TryMountSmallDisk(disk, out string why), $"mounting a 4 MB tmpfs failed (it needs root and the capability to mount): {why}");
        try
        {
            string outDir = Path.Combine(disk, "out");
            Assert.Equal(0, Run([.. command, "--out", outDir]).ExitCode);
            // Hidden entries (train's lock file) are not outputs.
            Assert.Equal(outputs, Directory.GetFiles(outDir).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order(StringComparer.Ordinal));
            long free = new DriveInfo(disk).AvailableFreeSpace;
            File.WriteAllBytes(Path.Combine(disk, "filler"), new byte[Math.Max(0, free - room)]);
            var before = PathSnapshot.Take(outDir);

            var second = Run([.. command, "--out", outDir, "--seed", "2"]);

            BoundedCli.AssertRefused(second, outDir, "No space left");
            before.AssertUnchanged();
        }
        finally
        {
            Process.Start("umount", disk).WaitForExit();
        }
    }

    private static bool TryMountSmallDisk(string folder, out string why)
    {
        why = "not root";
        if (!SpecialFiles.CanMakeDevices) return false;
        var start = new ProcessStartInfo("mount") { UseShellExecute = false };
        foreach (string arg in new[] { "-t", "tmpfs", "-o", "size=4m", "tailor-test", folder }) start.ArgumentList.Add(arg);
        var result = ChildProcess.Run(start, TimeSpan.FromSeconds(10));
        why = result is var (code, _, stderr) ? $"mount exited {code}: {stderr.Trim()}" : "mount hung";
        return result is { ExitCode: 0 };
    }

    private static void Link(string existing, string newPath)
    {
        var start = new ProcessStartInfo("ln") { UseShellExecute = false };
        start.ArgumentList.Add(existing);
        start.ArgumentList.Add(newPath);
        Assert.Equal(0, ChildProcess.Run(start, TimeSpan.FromSeconds(10))?.ExitCode);
    }
}
