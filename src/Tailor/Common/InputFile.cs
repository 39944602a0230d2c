namespace Tailor.Common;

/// <summary>
/// Opens a file a user named (an image, a model, a checkpoint, an IDX file, a search space) for reading.
/// Only a regular file is opened; a symbolic link to one is followed. A FIFO would block the reader
/// until someone writes to it, a device such as /dev/zero never ends, and a folder cannot be read: each
/// is refused before it is opened (stat(2) through <see cref="FileEntry"/>), with one message naming the
/// file and what it is. The stream returned has the file's length, so readers can check what a header
/// announces against it before they allocate or read.
/// </summary>
public static class InputFile
{
    /// <summary>
    /// Opens <paramref name="path"/> for reading, or throws an <see cref="InputFileException"/> naming it.
    /// <paramref name="what"/> names the expected content with its article, for messages: "an image".
    /// </summary>
    public static FileStream OpenRead(string path, string what, int bufferSize = 4096)
    {
        EnsureRegularFile(path, what);
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputFileException(path, FileKind.Missing, "could not be read: there is no such file.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFileException(path, FileKind.RegularFile, $"could not be read: {e.Message}", e);
        }
    }

    /// <summary>The whole of <paramref name="path"/>, which may hold at most <paramref name="maxBytes"/> (checked before reading).</summary>
    public static byte[] ReadAllBytes(string path, string what, long maxBytes)
    {
        Guard.NonNegative(maxBytes);
        using var stream = OpenRead(path, what);
        long length = stream.Length;
        if (length > maxBytes)
            throw new InputFileException(path, FileKind.RegularFile, $"is {length:N0} bytes, more than {what} may have ({maxBytes:N0} at most).");
        var bytes = new byte[length];
        try { stream.ReadExactly(bytes); }
        catch (EndOfStreamException e) { throw new InputFileException(path, FileKind.RegularFile, "could not be read: the file became shorter while it was read.", e); }
        catch (IOException e) { throw new InputFileException(path, FileKind.RegularFile, $"could not be read: {e.Message}", e); }
        return bytes;
    }

    /// <summary>
    /// The whole of <paramref name="path"/> when it holds at most <paramref name="maxBytes"/>, else null (nothing
    /// read): for readers of many small files, with one call each to open, size, read and close it.
    /// </summary>
    public static byte[]? ReadIfAtMost(string path, string what, long maxBytes)
    {
        Guard.NonNegative(maxBytes);
        EnsureRegularFile(path, what);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            long length = RandomAccess.GetLength(handle);
            if (length > maxBytes) return null;
            var bytes = new byte[length];
            for (int read = 0; read < bytes.Length;)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n == 0) throw new InputFileException(path, FileKind.RegularFile, "could not be read: the file became shorter while it was read.");
                read += n;
            }
            return bytes;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputFileException(path, FileKind.Missing, "could not be read: there is no such file.", e);
        }
        catch (Exception e) when (e is (IOException and not InputFileException) or UnauthorizedAccessException)
        {
            throw new InputFileException(path, FileKind.RegularFile, $"could not be read: {e.Message}", e);
        }
    }

    /// <summary>Throws an <see cref="InputFileException"/> naming <paramref name="path"/> unless it is, or links to, a regular file.</summary>
    public static void EnsureRegularFile(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(what);
        FileKind target;
        try { target = FileEntry.TargetKindOf(path); }
        catch (IOException e) { throw new InputFileException(path, null, $"could not be read: {e.Message}", e); }
        if (target == FileKind.RegularFile) return;
        bool link = FileEntry.KindOf(path) == FileKind.SymbolicLink;
        if (target == FileKind.Missing)
            throw new InputFileException(path, target, link ? "could not be read: it is a symbolic link to nothing." : "could not be read: there is no such file.");
        throw new InputFileException(path, target, $"{(link ? "is a symbolic link to" : "is")} {FileEntry.Describe(target)}, not a regular file; {what} must be a regular file.");
    }
}

/// <summary>A file named as an input that is not a regular file, or could not be opened; the message names it.</summary>
public sealed class InputFileException(string path, FileKind? found, string problem, Exception? innerException = null)
    : IOException($"{path}: {problem}", innerException)
{
    /// <summary>The file, as the caller named it.</summary>
    public string Path { get; } = path;

    /// <summary>
    /// What is there: <see cref="FileKind.Missing"/> for nothing (or a link to nothing), what is not a regular
    /// file, or a regular file that could not be read; null when even stat(2) failed (no permission, a link loop).
    /// </summary>
    public FileKind? Found { get; } = found;

    /// <summary>The message without the path: "is a FIFO (named pipe), not a regular file; ...".</summary>
    public string Problem { get; } = problem;
}
