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

    [Fact]
    public void A_fifo_a_link_or_a_directory_at_the_target_is_refused_and_left_as_it_is()
    {
        string fifo = Cli.SpecialFiles.Fifo(Path.Combine(_directory, "pipe.png"));
        string target = Path.Combine(_directory, "target.txt");
        File.WriteAllText(target, "keep");
        string link = Path.Combine(_directory, "link.png");
        File.CreateSymbolicLink(link, target);
        string folder = Directory.CreateDirectory(Path.Combine(_directory, "folder.png")).FullName;

        foreach (var (path, kind) in new[] { (fifo, FileKind.Fifo), (link, FileKind.SymbolicLink), (folder, FileKind.Directory) })
        {
            var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(path, "new"));
            Assert.Contains(path, error.Message);
            Assert.Equal(kind, FileEntry.KindOf(path));
        }
        Assert.Equal("keep", File.ReadAllText(target));
        Assert.Equal(["folder.png", "link.png", "pipe.png", "target.txt"], Directory.EnumerateFileSystemEntries(_directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
