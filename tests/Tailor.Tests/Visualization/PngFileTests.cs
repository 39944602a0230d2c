using Tailor.Visualization;

namespace Tailor.Tests.Visualization;

public sealed class PngFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tailor-png-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Save_WritesTheBytesAndReturnsThem()
    {
        byte[] png = TrainingCurves.Loss([0.5, 0.4], [0.6, 0.5]);
        string path = Path.Combine(_directory, "nested", "loss.png");

        byte[] returned = PngFile.Save(png, path);

        Assert.Same(png, returned);
        Assert.Equal(png, File.ReadAllBytes(path));
        Assert.Equal(["loss.png"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public void Save_ReplacesAnExistingFile()
    {
        string path = Path.Combine(_directory, "curve.png");
        PngFile.Save(TrainingCurves.Loss([0.5, 0.4], [0.6, 0.5]), path);
        byte[] second = TrainingCurves.Accuracy([0.5, 0.6], [0.4, 0.5]);

        PngFile.Save(second, path);

        Assert.Equal(second, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_directory));
    }

    [Fact]
    public void Save_RefusesBytesThatAreNotPng()
    {
        string path = Path.Combine(_directory, "not.png");

        var error = Assert.Throws<ArgumentException>(() => PngFile.Save("<html>"u8.ToArray(), path));

        Assert.Contains("PNG signature", error.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Save_WhenTheParentIsAFile_FailsNamingThePathAndLeavesNothingBehind()
    {
        // Tests run as root, for whom read-only directories are writable; a file as parent blocks everyone.
        string parent = Path.Combine(_directory, "plain-file");
        File.WriteAllText(parent, "not a directory");

        var error = Assert.Throws<IOException>(() => PngFile.Save(TrainingCurves.Loss([1.0], [1.0]), Path.Combine(parent, "loss.png")));

        Assert.Contains(Path.Combine(parent, "loss.png"), error.Message);
        Assert.Equal("not a directory", File.ReadAllText(parent));
        Assert.Equal([parent], Directory.GetFileSystemEntries(_directory));
    }
}
