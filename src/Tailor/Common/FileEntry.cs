using System.Runtime.InteropServices;

namespace Tailor.Common;

/// <summary>What a path names, without following a symbolic link at its end.</summary>
public enum FileKind
{
    Missing,
    RegularFile,
    Directory,
    SymbolicLink,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
}

/// <summary>
/// The type and identity of a file system entry, as stat(2) gives them. .NET tells a FIFO or a device
/// from a regular file only by trying to open it (which blocks on a FIFO), and compares files only by
/// name, so a hard link or a second path to the same file looks like another file: these answers come
/// from the kernel. On systems other than Linux x64/arm64 the kind falls back to what .NET can tell and
/// the identity to the fully resolved path.
/// </summary>
public static partial class FileEntry
{
    /// <summary>The kind of entry <paramref name="path"/> names; a symbolic link is reported as such, not followed.</summary>
    public static FileKind KindOf(string path)
    {
        if (Stat(path, follow: false) is { } stat) return KindFromMode(stat.Mode);
        var info = new FileInfo(path);
        if (info.LinkTarget != null) return FileKind.SymbolicLink;
        if (Directory.Exists(path)) return FileKind.Directory;
        return info.Exists ? FileKind.RegularFile : FileKind.Missing;
    }

    /// <summary>The kind of what <paramref name="path"/> finally names, following symbolic links.</summary>
    public static FileKind TargetKindOf(string path)
    {
        if (Stat(path, follow: true) is { } stat) return KindFromMode(stat.Mode);
        var info = new FileInfo(path);
        if (info.LinkTarget != null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target) path = target.FullName;
        if (Directory.Exists(path)) return FileKind.Directory;
        return File.Exists(path) ? FileKind.RegularFile : FileKind.Missing;
    }

    /// <summary>
    /// An identity equal for two paths exactly when they name the same file (hard links, symbolic links,
    /// "a/../b" included); null when nothing is there.
    /// </summary>
    public static FileIdentity? IdentityOf(string path)
    {
        if (Stat(path, follow: true) is { } stat) return stat.Mode == 0 && stat.Inode == 0 ? null : new FileIdentity(stat.Device, stat.Inode, null);
        var info = new FileInfo(path);
        string full = info.LinkTarget != null ? info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName : info.FullName;
        return File.Exists(full) || Directory.Exists(full) ? new FileIdentity(0, 0, full) : null;
    }

    /// <summary>The size stat(2) reports, following links (0 for devices and FIFOs); null when nothing is there.</summary>
    public static long? SizeOf(string path)
    {
        if (Stat(path, follow: true) is { } stat) return stat.Mode == 0 ? null : stat.Size;
        var info = new FileInfo(path);
        return info.Exists ? info.Length : null;
    }

    /// <summary>A word for messages: "a FIFO", "a directory", ...</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.RegularFile => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => kind.ToString(),
    };

    private static FileKind KindFromMode(uint mode) => mode == 0 ? FileKind.Missing : (mode & 0xF000) switch
    {
        0x8000 => FileKind.RegularFile,
        0x4000 => FileKind.Directory,
        0xA000 => FileKind.SymbolicLink,
        0x1000 => FileKind.Fifo,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0xC000 => FileKind.Socket,
        _ => FileKind.RegularFile,
    };

    private readonly record struct StatResult(ulong Device, ulong Inode, uint Mode, long Size);

    private const int ENOENT = 2, ENOTDIR = 20;

    /// <summary>
    /// stat/lstat through glibc; null where the struct layout is not known here (the caller falls back).
    /// A missing path gives a result with mode 0. The offsets are those of struct stat on Linux x64
    /// (st_mode at 24) and on Linux's generic layout used by arm64 (st_mode at 16); both put st_dev at 0,
    /// st_ino at 8 and st_size at 48.
    /// </summary>
    private static StatResult? Stat(string path, bool follow)
    {
        if (!OperatingSystem.IsLinux()) return null;
        int modeOffset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,
            Architecture.Arm64 => 16,
            _ => -1,
        };
        if (modeOffset < 0) return null;
        Span<byte> buffer = stackalloc byte[256];
        int rc;
        try { rc = follow ? stat(path, ref buffer.GetPinnableReference()) : lstat(path, ref buffer.GetPinnableReference()); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
        if (rc != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR) return new StatResult(0, 0, 0, 0);
            throw new IOException($"Could not inspect '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.");
        }
        return new StatResult(
            BitConverter.ToUInt64(buffer[..8]),
            BitConverter.ToUInt64(buffer[8..16]),
            BitConverter.ToUInt32(buffer[modeOffset..(modeOffset + 4)]),
            BitConverter.ToInt64(buffer[48..56]));
    }

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int stat(string path, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lstat(string path, ref byte buffer);
}

/// <summary>Which file a path names: the device and inode, or (where those are not known) the resolved path.</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode, string? ResolvedPath);
