using System.CommandLine;
using Tailor.Cli.Commands;

namespace Tailor.Cli;

/// <summary>The `tailor` command tree: built here so that the program and the tests (which walk every option) share it.</summary>
internal static class CliRoot
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Tailor: the Zalando Fashion-MNIST study with a Keras-style C# engine.")
        {
            CommonOptions.Data,
            CommonOptions.Threads,
        };
        root.Subcommands.Add(TutorialCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(ModelCommands.Evaluate());
        root.Subcommands.Add(ModelCommands.Predict());
        root.Subcommands.Add(ModelCommands.Summary());
        root.Subcommands.Add(ModelCommands.Export());
        root.Subcommands.Add(ModelCommands.Import());
        root.Subcommands.Add(DataCommands.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(StudyCommand.Create());
        root.Subcommands.Add(CvCommand.Create());
        root.Subcommands.Add(TuneCommand.Create());
        return root;
    }
}
