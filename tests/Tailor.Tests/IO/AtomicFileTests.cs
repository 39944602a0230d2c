using Tailor.Common;

namespace Tailor.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tailor-atomic-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Write_FailingHalfway_LeavesTheEarlierFileWholeAndNoTemporaryFile()
    {
        string path = Path.Combine(_directory, "report.html");
        File.WriteAllText(path, "earlier report");

        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("<html>half of a new rep"u8);
            throw new InvalidOperationException("rendering failed");
        }));

        Assert.Equal("rendering failed", error.Message);
        Assert.Equal("earlier report", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void Write_CreatesMissingDirectories()
    {
        string path = Path.Combine(_directory, "runs", "cnn", "report.html");

        AtomicFile.WriteAllBytes(path, "<html></html>"u8.ToArray());

        Assert.Equal("<html></html>", File.ReadAllText(path));
    }
}
