namespace Tailor.Common;

/// <summary>
/// Keeps other runs out of a folder while one writes into it: the file <see cref="FileName"/> in the folder,
/// held open without sharing (on Linux and macOS .NET takes an exclusive <c>flock</c> on it). The kernel
/// drops the lock when the process ends, however it ends (SIGKILL included), so a lock is never stale.
/// The file itself stays: deleting it on release would let a third run lock a new file while a second
/// still holds the unlinked one.
/// </summary>
public sealed class FolderLock : IDisposable
{
    public const string FileName = ".tailor.lock";

    private readonly FileStream _stream;

    private FolderLock(string folder, FileStream stream)
    {
        Folder = folder;
        _stream = stream;
    }

    /// <summary>The locked folder, fully qualified.</summary>
    public string Folder { get; }

    /// <summary>
    /// Locks <paramref name="folder"/> (creating it when missing), or throws an IOException saying that
    /// another run (<paramref name="holder"/>, e.g. "tailor train") holds it.
    /// </summary>
    public static FolderLock Acquire(string folder, string holder)
    {
        string full = Path.GetFullPath(folder);
        string path = Path.Combine(full, FileName);
        try
        {
            Directory.CreateDirectory(full);
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new FolderLock(full, stream);
        }
        catch (IOException e) when (File.Exists(path) && e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            throw new IOException($"'{full}' is in use by another {holder} (it holds {FileName} there); wait for it to end, or choose another folder.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Could not lock '{full}': {e.Message}", e);
        }
    }

    public void Dispose() => _stream.Dispose();
}
