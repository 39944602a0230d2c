using System.CommandLine;
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
    private static readonly Dictionary<string, string> Inputs = new()
    {
        ["--model"] = "the model given as --model",
        ["--space"] = "the search space given as --space",
        ["--images"] = "the image folder given as --images",
        ["--data"] = "the data folder given as --data",
        ["--peer"] = "the script given as --peer",
    };

    private static readonly string[] FileOutputs = ["--onnx", "--probabilities", "--json"];
    private static readonly string[] FolderOutputs = ["--out", "--inputs-out", "--checkpoint-dir"];

    public static void Check(ParseResult parsed)
    {
        ProtectedInputs.Clear();
        var options = OptionsInScope(parsed.CommandResult.Command);
        foreach (var option in options)
            if (Inputs.TryGetValue(option.Name, out string? description) && StringValue(parsed, option) is string path
                && !(option.Name == "--data" && parsed.CommandResult.Command.Name == "download"))
                ProtectedInputs.Protect(path, description);
        foreach (var argument in parsed.CommandResult.Command.Arguments)
            if (argument.Name == "images" && parsed.GetResult(argument)?.GetValueOrDefault<string[]>() is { } images)
                foreach (string image in images) ProtectedInputs.Protect(image, $"the input '{image}'");
        // `data download` writes into the data folder by design.
        if (parsed.CommandResult.Command.Name != "download" && parsed.GetValue(CommonOptions.Data) == null && TryLocateData() is string dataFolder)
            ProtectedInputs.Protect(dataFolder, "the data folder");

        // `data show --out` names a PNG; every other --out a folder.
        bool outIsFile = parsed.CommandResult.Command.Name == "show";
        foreach (var option in options)
        {
            if (StringValue(parsed, option) is not string path) continue;
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

    private static string? TryLocateData()
    {
        try { return new DataLocator().Locate().Directory; }
        catch (Exception e) when (e is DataNotFoundException or IOException or UnauthorizedAccessException) { return null; }
    }
}
