namespace Tailor.Visualization;

/// <summary>
/// Writes a file so that readers see either the old content or the new, never a partial one:
/// the content goes to a temporary file beside the target, which is then renamed over it.
/// </summary>
internal static class AtomicFile
{
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, stream => stream.Write(bytes));

    /// <summary>
    /// Creates the directory if needed and replaces <paramref name="path"/> with what
    /// <paramref name="write"/> puts in the stream; if anything fails, an earlier file stays as it was
    /// and no temporary file is left behind.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"'{path}' names no file inside a directory.", nameof(path));
        // Same directory as the target, so the final rename cannot cross file systems.
        string temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(temporary);
            if (e is IOException or UnauthorizedAccessException)
                throw new IOException($"Could not write '{target}': {e.Message}", e);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
