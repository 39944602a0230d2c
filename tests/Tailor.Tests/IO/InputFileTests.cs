using Tailor.Common;
using Tailor.Tests.Cli;
using Tailor.Tests.Data;

namespace Tailor.Tests.IO;

/// <summary>
/// What <see cref="InputFile"/> opens and what it refuses. Refusals are checked through
/// <see cref="InputFile.EnsureRegularFile"/>, which opens nothing, so that a broken check fails here instead
/// of blocking on a FIFO; that OpenRead does not block is checked in child processes (Cli/CliSpecialFileTests).
/// </summary>
public sealed class InputFileTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_regular_file_and_a_link_to_one_are_opened_with_their_length()
    {
        File.WriteAllBytes(_temp.File("data.bin"), [1, 2, 3]);
        File.CreateSymbolicLink(_temp.File("link.bin"), "data.bin");

        foreach (string path in new[] { _temp.File("data.bin"), _temp.File("link.bin") })
        {
            using var stream = InputFile.OpenRead(path, "a data file");
            Assert.Equal(3, stream.Length);
            Assert.Equal([1, 2, 3], InputFile.ReadAllBytes(path, "a data file", maxBytes: 3));
        }
    }

    [Fact]
    public void A_small_file_is_read_whole_and_a_larger_one_left_unread()
    {
        File.WriteAllBytes(_temp.File("data.bin"), [1, 2, 3]);
        File.CreateSymbolicLink(_temp.File("link.bin"), "data.bin");
        string fifo = SpecialFiles.Fifo(_temp.File("pipe.png"));

        Assert.Equal([1, 2, 3], InputFile.ReadIfAtMost(_temp.File("link.bin"), "an image", 3));
        Assert.Null(InputFile.ReadIfAtMost(_temp.File("data.bin"), "an image", 2));
        Assert.Equal($"{fifo}: is a FIFO (named pipe), not a regular file; an image must be a regular file.",
            Assert.Throws<InputFileException>(() => InputFile.ReadIfAtMost(fifo, "an image", 10)).Message);
        Assert.Equal($"{_temp.File("absent")}: could not be read: there is no such file.",
            Assert.Throws<InputFileException>(() => InputFile.ReadIfAtMost(_temp.File("absent"), "an image", 10)).Message);
    }

    [Fact]
    public void A_file_over_the_limit_is_refused_before_it_is_read()
    {
        string path = _temp.File("big.json");
        using (var stream = File.Create(path)) stream.SetLength(3L << 30); // sparse: 3 GiB that were never written

        var e = Assert.Throws<InputFileException>(() => InputFile.ReadAllBytes(path, "a search space file", maxBytes: 1 << 20));

        Assert.Equal($"{path}: is 3,221,225,472 bytes, more than a search space file may have (1,048,576 at most).", e.Message);
    }

    [Fact]
    public void Folders_fifos_and_links_to_them_are_refused_naming_the_file_and_what_it_is()
    {
        string folder = _temp.Subfolder("model.safetensors");
        string fifo = SpecialFiles.Fifo(_temp.File("pipe.safetensors"));
        File.CreateSymbolicLink(_temp.File("to-fifo.safetensors"), fifo);

        Assert.Equal($"{folder}: is a directory, not a regular file; a model file must be a regular file.", Refusal(folder).Message);
        Assert.Equal($"{fifo}: is a FIFO (named pipe), not a regular file; a model file must be a regular file.", Refusal(fifo).Message);
        var linked = Refusal(_temp.File("to-fifo.safetensors"));
        Assert.Contains("is a symbolic link to a FIFO (named pipe), not a regular file", linked.Message);
        Assert.Equal(FileKind.Fifo, linked.Found);
    }

    [DeviceFact]
    public void A_device_is_refused()
    {
        string zero = SpecialFiles.CharacterDevice(_temp.File("zero"), major: 1, minor: 5);

        Assert.Equal($"{zero}: is a character device, not a regular file; a model file must be a regular file.", Refusal(zero).Message);
    }

    [Fact]
    public void Nothing_and_a_link_to_nothing_are_missing()
    {
        File.CreateSymbolicLink(_temp.File("dangling"), _temp.File("gone"));

        var missing = Assert.Throws<InputFileException>(() => InputFile.OpenRead(_temp.File("absent"), "an image"));
        var dangling = Assert.Throws<InputFileException>(() => InputFile.OpenRead(_temp.File("dangling"), "an image"));

        Assert.Equal($"{_temp.File("absent")}: could not be read: there is no such file.", missing.Message);
        Assert.Equal($"{_temp.File("dangling")}: could not be read: it is a symbolic link to nothing.", dangling.Message);
        Assert.Equal(FileKind.Missing, missing.Found);
        Assert.Equal(FileKind.Missing, dangling.Found);
    }

    private static InputFileException Refusal(string path) =>
        Assert.Throws<InputFileException>(() => InputFile.EnsureRegularFile(path, "a model file"));
}
