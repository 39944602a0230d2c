using System.Security.Cryptography;
using Tailor.Common;

namespace Tailor.Tests.Cli;

/// <summary>
/// The state of some paths (folders recursively, without following links): each entry's kind, a regular
/// file's SHA-256, a link's target. Taken before a command and compared after it, it shows that the
/// command changed no input and no earlier output, and turned no FIFO or device into a file.
/// </summary>
internal sealed class PathSnapshot
{
    private readonly SortedDictionary<string, string> _entries = new(StringComparer.Ordinal);

    private PathSnapshot() { }

    public static PathSnapshot Take(params string[] paths)
    {
        var snapshot = new PathSnapshot();
        foreach (string path in paths) snapshot.Add(Path.GetFullPath(path));
        return snapshot;
    }

    private void Add(string path)
    {
        var kind = FileEntry.KindOf(path);
        _entries[path] = kind switch
        {
            FileKind.RegularFile => "file " + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))),
            FileKind.SymbolicLink => "link -> " + new FileInfo(path).LinkTarget,
            _ => kind.ToString(),
        };
        if (kind == FileKind.Directory)
            foreach (string entry in Directory.EnumerateFileSystemEntries(path)) Add(entry);
    }

    /// <summary>Fails naming every path whose state differs from this snapshot (added, removed or changed).</summary>
    public void AssertUnchanged()
    {
        var now = Take([.. _entries.Keys.Where(k => !_entries.Keys.Any(p => p != k && k.StartsWith(p + "/", StringComparison.Ordinal)))]);
        var differences = _entries.Keys.Union(now._entries.Keys)
            .Where(k => _entries.GetValueOrDefault(k) != now._entries.GetValueOrDefault(k))
            .Select(k => $"{k}: {_entries.GetValueOrDefault(k) ?? "absent"} -> {now._entries.GetValueOrDefault(k) ?? "absent"}")
            .ToList();
        Assert.True(differences.Count == 0, "Changed:\n" + string.Join("\n", differences));
    }
}
