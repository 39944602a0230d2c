namespace Tailor.Common;

/// <summary>
/// Publishes a command's output files as a whole: they are written into a hidden staging folder inside
/// the output folder and moved into place only when all of them are complete, so a run that fails
/// (disk full, a bad value found late, a signal) leaves the folder as the earlier run left it. Moving a
/// file within one folder needs no space, so once staging has succeeded publishing does not fail for
/// want of it. Entries of the folder that the run does not write (checkpoints, a user's own files) are
/// left alone.
/// </summary>
public sealed class StagedOutputs : IDisposable
{
    private const string StagingPrefix = ".tailor-staging-";
    private readonly bool _createdFolder;
    private bool _published;

    private StagedOutputs(string folder, string staging, bool createdFolder)
    {
        Folder = folder;
        StagingFolder = staging;
        _createdFolder = createdFolder;
    }

    /// <summary>The output folder, fully qualified.</summary>
    public string Folder { get; }

    /// <summary>Where the files are written before <see cref="Publish"/>.</summary>
    public string StagingFolder { get; }

    /// <summary>
    /// Checks that <paramref name="folder"/> can take outputs (a folder or a new path, not a file or a
    /// device), and each of <paramref name="names"/> in it can be replaced, then makes the staging folder
    /// in it; call before any long work, so a wrong output fails first.
    /// </summary>
    public static StagedOutputs Begin(string folder, IEnumerable<string>? names = null)
    {
        string full = Path.GetFullPath(folder);
        foreach (string name in names ?? []) AtomicFile.EnsureReplaceable(Path.Combine(full, name));
        var kind = FileEntry.TargetKindOf(full);
        if (kind is not (FileKind.Missing or FileKind.Directory))
            throw new IOException($"Could not write to '{full}': it is {FileEntry.Describe(kind)}, not a folder.");
        ProtectedInputs.Check(full);
        bool created = kind == FileKind.Missing;
        try
        {
            Directory.CreateDirectory(full);
            string staging = Path.Combine(full, StagingPrefix + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(staging);
            return new StagedOutputs(full, staging, created);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Could not write to '{full}': {e.Message}", e);
        }
    }

    /// <summary>The staging path of output <paramref name="name"/> (a file name, or a relative path inside the folder).</summary>
    public string PathFor(string name)
    {
        if (Path.IsPathRooted(name) || name.Split('/', '\\').Contains(".."))
            throw new ArgumentException($"'{name}' is not a name inside the output folder.", nameof(name));
        string path = Path.Combine(StagingFolder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    /// <summary>The files written into the staging folder so far, as paths relative to it, in ordinal order.</summary>
    public IReadOnlyList<string> StagedFiles() =>
        [.. Directory.EnumerateFiles(StagingFolder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(StagingFolder, f))
            .Order(StringComparer.Ordinal)];

    /// <summary>
    /// Moves every file written into the staging folder into the output folder, replacing the earlier
    /// run's file of the same name. Each target is checked first (a directory or device there is refused
    /// before any file moves).
    /// </summary>
    public void Publish()
    {
        ObjectDisposedException.ThrowIf(_published, this);
        var staged = StagedFiles();
        try
        {
            foreach (string name in staged) AtomicFile.EnsureReplaceable(Path.Combine(Folder, name));
        }
        catch (IOException e)
        {
            _published = true;
            throw new IOException($"{e.Message} The complete outputs are kept in '{StagingFolder}'.", e);
        }
        try
        {
            foreach (string name in staged)
            {
                string target = Path.Combine(Folder, name);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(Path.Combine(StagingFolder, name), target, overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The run's work is complete in the staging folder: keep it there rather than lose it.
            _published = true;
            throw new IOException($"Could not publish the outputs in '{Folder}': {e.Message} The complete outputs are kept in '{StagingFolder}'.", e);
        }
        _published = true;
        DeleteStaging();
    }

    /// <summary>Without <see cref="Publish"/>, removes the staging folder (and the output folder if this run created it and it is empty).</summary>
    public void Dispose()
    {
        if (_published) return;
        _published = true;
        DeleteStaging();
        if (_createdFolder)
        {
            try
            {
                if (Directory.Exists(Folder) && !Directory.EnumerateFileSystemEntries(Folder).Any()) Directory.Delete(Folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private void DeleteStaging()
    {
        try { if (Directory.Exists(StagingFolder)) Directory.Delete(StagingFolder, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
