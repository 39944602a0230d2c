using System.CommandLine;
using System.Runtime.CompilerServices;
using Tailor.Common;
using Tailor.Data;

namespace Tailor.Cli;

/// <summary>
/// Before a command starts, declares the files and folders it reads as protected inputs and checks that
/// each output it names can be written: a file output is a regular file or a new path and is not one of
/// the inputs; a folder output is a folder or a new path and does not lie inside an input folder. Writers
/// check again when they write (<see cref="ProtectedInputs"/>), so an output found only later is caught too.
/// </summary>
internal static class PathOptions
{
    // Options that name a file or folder the command reads, marked where they are made (train's --model is
    // a model's name, evaluate's a file: the name alone cannot tell).
    private static readonly ConditionalWeakTable<Option, string> Inputs = new();

    /// <summary>Marks <paramref name="option"/> as naming an input of its command, described in errors as <paramref name="description"/>.</summary>
    public static Option<T> AsInput<T>(this Option<T> option, string description)
    {
        Inputs.AddOrUpdate(option, description);
        return option;
    }

    private static readonly string[] FileOutputs = ["--onnx", "--probabilities", "--json", "--heatmap", "--confused"];
    private static readonly string[] FolderOutputs = ["--out", "--inputs-out", "--checkpoint-dir"];

    public static void Check(ParseResult parsed)
    {
        ProtectedInputs.Clear();
        var options = OptionsInScope(parsed.CommandResult.Command);
        foreach (var option in options)
            if (Inputs.TryGetValue(option, out string? description) && StringValue(parsed, option) is string path)
                ProtectedInputs.Protect(path, description);
        foreach (var argument in parsed.CommandResult.Command.Arguments)
            if (argument.Name == "images" && parsed.GetResult(argument)?.GetValueOrDefault<string[]>() is { } images)
                foreach (string image in images) ProtectedInputs.Protect(image, $"the input '{image}'");
        // The data files, not their folder: an output beside them harms nothing (`--data .` is common), and
        // `data download` writes them by design.
        if (parsed.CommandResult.Command.Name != "download" && DataFolder(parsed) is string dataFolder)
            foreach (var file in FashionMnist.Files)
                ProtectedInputs.Protect(Path.Combine(dataFolder, file.Name), $"the data file {file.Name}");

        // `data show --out` names a PNG and `import --out` a model file; every other --out a folder. An option
        // named as an input (import's --onnx) is no output.
        bool outIsFile = parsed.CommandResult.Command.Name is "show" or "import";
        foreach (var option in options)
        {
            if (StringValue(parsed, option) is not string path || Inputs.TryGetValue(option, out _)) continue;
            bool isFile = FileOutputs.Contains(option.Name) || (option.Name == "--out" && outIsFile);
            if (!isFile && !FolderOutputs.Contains(option.Name)) continue;
            try
            {
                if (isFile) AtomicFile.EnsureReplaceable(path);
                else if (FileEntry.TargetKindOf(path) is not (FileKind.Missing or FileKind.Directory) and var kind)
                    throw new IOException($"'{Path.GetFullPath(path)}' is {FileEntry.Describe(kind)}, not a folder.");
                ProtectedInputs.Check(path);
            }
            catch (IOException e)
            {
                throw new UsageException($"{option.Name}: {e.Message}");
            }
        }
    }

    private static List<Option> OptionsInScope(Command command)
    {
        var options = new List<Option>(command.Options);
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent != null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
            options.AddRange(parent.Options.Where(o => o.Recursive));
        return options;
    }

    /// <summary>The option's value, or null where it has none (not given, or required and missing: the parser reports that, or --help is asked for).</summary>
    private static string? StringValue(ParseResult parsed, Option option)
    {
        if (option.ValueType != typeof(string)) return null;
        try { return parsed.GetValue<string?>(option.Name); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>The folder the command would read Fashion-MNIST from, or null where there is none yet.</summary>
    private static string? DataFolder(ParseResult parsed)
    {
        try { return new DataLocator().Locate(parsed.GetValue(CommonOptions.Data)).Directory; }
        catch (Exception e) when (e is DataNotFoundException or IOException or UnauthorizedAccessException or ArgumentException) { return null; }
    }
}
