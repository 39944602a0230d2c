using System.Text;

namespace Tailor.Common;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new one: the content goes
/// to a temporary name in the same folder (so the rename stays on one file system) and is moved over
/// the target only once fully written; on failure the temporary file is removed and the target is
/// left as it was, and the error names the file. Only a regular file or a new path is replaced: a
/// directory, FIFO, device, socket or symbolic link at the target is refused before anything is written,
/// since renaming over it would destroy it (a FIFO or /dev/null would silently become a file).
/// </summary>
public static class AtomicFile
{
    /// <summary>Creates the folder if needed and replaces <paramref name="path"/> with what <paramref name="write"/> puts in the stream.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        EnsureReplaceable(path);
        string temp = TempPathFor(path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            // .NET's message ends with the temporary name, which means nothing to the reader.
            throw new IOException($"Could not write '{Path.GetFullPath(path)}': {e.Message.Replace($" : '{temp}'", "")}", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        EnsureReplaceable(path);
        string temp = TempPathFor(path);
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));

    /// <summary>
    /// Throws an <see cref="IOException"/> naming <paramref name="path"/> unless it is missing or a regular
    /// file, and not one of the <see cref="ProtectedInputs"/>: what <see cref="Write"/> may replace.
    /// </summary>
    public static void EnsureReplaceable(string path)
    {
        var kind = FileEntry.KindOf(path);
        if (kind is FileKind.Missing or FileKind.RegularFile)
        {
            ProtectedInputs.Check(path);
            return;
        }
        throw new IOException($"Could not write '{Path.GetFullPath(path)}': it is {FileEntry.Describe(kind)}; Tailor writes only to a regular file or a new path.");
    }

    /// <summary>A fresh hidden name beside <paramref name="path"/>, e.g. ".report.html.3f2a….tmp".</summary>
    public static string TempPathFor(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' names no file inside a folder.", nameof(path));
        return Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
