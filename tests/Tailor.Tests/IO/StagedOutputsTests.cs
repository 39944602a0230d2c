using Tailor.Common;
using Tailor.Tests.Data;

namespace Tailor.Tests.IO;

public sealed class StagedOutputsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Publish_moves_every_staged_file_in_and_keeps_the_folders_other_entries()
    {
        string folder = _temp.Subfolder("out");
        File.WriteAllText(Path.Combine(folder, "a.txt"), "old a");
        File.WriteAllText(Path.Combine(folder, "mine.txt"), "a user's file");

        using (var outputs = StagedOutputs.Begin(folder))
        {
            File.WriteAllText(Path.Combine(outputs.StagingFolder, "a.txt"), "new a");
            File.WriteAllText(outputs.PathFor("plots/b.png"), "new b");
            Assert.Equal("old a", File.ReadAllText(Path.Combine(folder, "a.txt")));
            outputs.Publish();
        }

        Assert.Equal("new a", File.ReadAllText(Path.Combine(folder, "a.txt")));
        Assert.Equal("new b", File.ReadAllText(Path.Combine(folder, "plots", "b.png")));
        Assert.Equal("a user's file", File.ReadAllText(Path.Combine(folder, "mine.txt")));
        Assert.Equal(["a.txt", "mine.txt", "plots/b.png"], _temp.ListFiles().Select(f => Path.GetRelativePath("out", f)));
    }

    [Fact]
    public void Without_publish_the_folder_is_left_as_it_was_and_a_folder_it_created_is_removed()
    {
        string existing = _temp.Subfolder("out");
        File.WriteAllText(Path.Combine(existing, "a.txt"), "old a");
        string created = _temp.File("new");

        using (var outputs = StagedOutputs.Begin(existing)) File.WriteAllText(outputs.PathFor("a.txt"), "half");
        using (var outputs = StagedOutputs.Begin(created)) File.WriteAllText(outputs.PathFor("a.txt"), "half");

        Assert.Equal(["out/a.txt"], _temp.ListFiles());
        Assert.False(Directory.Exists(created));
    }

    [Fact]
    public void A_file_at_the_folder_path_is_refused_before_anything_is_written()
    {
        string file = _temp.File("out");
        File.WriteAllText(file, "results");

        var error = Assert.Throws<IOException>(() => StagedOutputs.Begin(file));

        Assert.Contains(file, error.Message);
        Assert.Equal("results", File.ReadAllText(file));
    }

    [Fact]
    public void A_folder_inside_a_protected_input_is_refused()
    {
        string input = _temp.Subfolder("images");
        try
        {
            ProtectedInputs.Protect(input, "the image folder given as --images");
            var error = Assert.Throws<IOException>(() => StagedOutputs.Begin(Path.Combine(input, "run")));
            Assert.Contains("--images", error.Message);
        }
        finally
        {
            ProtectedInputs.Clear();
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(input));
    }

    [Fact]
    public void A_publish_that_fails_keeps_the_complete_outputs_in_the_staging_folder_and_names_it()
    {
        string folder = _temp.Subfolder("out");
        using var outputs = StagedOutputs.Begin(folder, ["a.txt"]);
        File.WriteAllText(outputs.PathFor("a.txt"), "the run's work");
        Directory.CreateDirectory(Path.Combine(folder, "a.txt")); // appears while the run works

        var error = Assert.Throws<IOException>(outputs.Publish);
        outputs.Dispose();

        Assert.Contains(outputs.StagingFolder, error.Message);
        Assert.Equal("the run's work", File.ReadAllText(Path.Combine(outputs.StagingFolder, "a.txt")));
    }

    [Fact]
    public void A_folder_at_an_output_name_is_refused_before_any_work()
    {
        string folder = _temp.Subfolder("out");
        Directory.CreateDirectory(Path.Combine(folder, "model.safetensors"));

        var error = Assert.Throws<IOException>(() => StagedOutputs.Begin(folder, ["history.csv", "model.safetensors"]));

        Assert.Contains("model.safetensors", error.Message);
        Assert.Equal(["model.safetensors"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
    }
}
