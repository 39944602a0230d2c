using Tailor.Common;
using Tailor.Serialization;
using Tailor.Tests.Data;

namespace Tailor.Tests.Cli;

/// <summary>
/// `tailor train` keeps its folders to itself while it runs (a lock file in the output and checkpoint
/// folders) and keeps only the latest --keep-checkpoints checkpoints.
/// </summary>
public sealed class TrainFolderTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string _data;

    public TrainFolderTests()
    {
        _data = _temp.Subfolder("data");
        SyntheticFashion.WriteFiles(_data, SyntheticFashion.Dataset(trainCount: 201, testCount: 41));
    }

    public void Dispose() => _temp.Dispose();

    private CliProcess.Result Train(params string[] more) =>
        BoundedCli.Run(_temp.Path, ["train", "--model", "dense", "--train-images", "100", "--test-images", "20", "--data", _data, .. more]);

    [Fact]
    public void A_second_run_into_a_folder_another_run_holds_is_refused_and_changes_nothing()
    {
        string output = _temp.Subfolder("out");
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
        string checkpoints = _temp.Subfolder("elsewhere");

        // This process plays the first run: it holds the output folder, then a checkpoint folder elsewhere.
        // (The snapshot is taken while no lock is held: a held lock file cannot be read, even by its holder.)
        FolderLock.Acquire(output, "tailor train").Dispose();
        var before = PathSnapshot.Take(output);
        CliProcess.Result result;
        using (FolderLock.Acquire(output, "tailor train")) result = Train("--epochs", "1", "--out", output);
        BoundedCli.AssertRefused(result, output, "in use by another tailor train", FolderLock.FileName);
        Assert.Equal(1, result.ExitCode);
        before.AssertUnchanged();
        using (FolderLock.Acquire(checkpoints, "tailor train"))
            BoundedCli.AssertRefused(Train("--epochs", "1", "--out", _temp.File("out2"), "--checkpoint-dir", checkpoints), checkpoints, "in use");

        // Once the first run has ended (its lock file stays behind), the folder is free again.
        var again = Train("--epochs", "1", "--out", output);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "notes.txt")));
    }

    [Fact]
    public void Only_the_latest_checkpoints_are_kept_and_other_files_of_the_folder_are_left_alone()
    {
        string checkpoints = _temp.Subfolder("out", "checkpoints");
        File.WriteAllText(Path.Combine(checkpoints, "checkpoint-e-mine.safetensors"), "not one of ours");

        var result = Train("--out", _temp.File("out"), "--epochs", "5", "--checkpoint-every", "1", "--keep-checkpoints", "2");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal([FolderLock.FileName, "checkpoint-e-mine.safetensors", CheckpointFile.FileName(4, 0), CheckpointFile.FileName(5, 0)],
            Directory.GetFiles(checkpoints).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
