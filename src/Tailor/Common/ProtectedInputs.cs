namespace Tailor.Common;

/// <summary>
/// Files and folders that this process reads and must never write over: a program (the `tailor` command)
/// declares its inputs before it starts, and every output written through <see cref="AtomicFile"/> or
/// <see cref="StagedOutputs"/> is refused when it is one of those files (compared by device and inode, so
/// a second path, a symbolic link or a hard link to an input is caught) or lies inside one of those
/// folders. Nothing is protected unless declared, so a library user who loads a model and saves it back
/// to the same path is not affected.
/// </summary>
public static class ProtectedInputs
{
    private static readonly Lock Gate = new();
    private static readonly List<(FileIdentity Identity, bool IsFolder, string Description)> Inputs = [];

    /// <summary>Declares <paramref name="path"/> (a file or a folder) an input; <paramref name="description"/> names it in errors, e.g. "the model given as --model".</summary>
    public static void Protect(string path, string description)
    {
        if (FileEntry.IdentityOf(path) is not { } identity) return;
        bool folder = FileEntry.TargetKindOf(path) == FileKind.Directory;
        lock (Gate) Inputs.Add((identity, folder, description));
    }

    /// <summary>Forgets every declared input (tests, and a program that starts another job).</summary>
    public static void Clear()
    {
        lock (Gate) Inputs.Clear();
    }

    /// <summary>
    /// Throws an <see cref="IOException"/> naming <paramref name="output"/> and the input when writing it
    /// would replace a declared input file or put a file inside a declared input folder.
    /// </summary>
    public static void Check(string output)
    {
        (FileIdentity Identity, bool IsFolder, string Description)[] inputs;
        lock (Gate) inputs = [.. Inputs];
        if (inputs.Length == 0) return;
        string full = Path.GetFullPath(output);
        if (FileEntry.IdentityOf(full) is { } own)
            foreach (var input in inputs)
                if (input.Identity == own)
                    throw new IOException($"Could not write '{full}': it is {input.Description}; Tailor does not write over its inputs.");
        for (string? folder = Path.GetDirectoryName(full); folder != null; folder = Path.GetDirectoryName(folder))
        {
            if (FileEntry.IdentityOf(folder) is not { } id) continue;
            foreach (var input in inputs)
                if (input.IsFolder && input.Identity == id)
                    throw new IOException($"Could not write '{full}': it is inside {input.Description}; Tailor does not write into its inputs.");
        }
    }
}
