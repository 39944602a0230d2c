using System.CommandLine;
using Tailor.Cli.Commands.Study;

namespace Tailor.Cli.Commands;

/// <summary>`tailor study ...`: experiments that train models several ways and compare them in one report.</summary>
internal static class StudyCommand
{
    public static Command Create()
    {
        var command = new Command("study", "Experiments that compare several ways of training models, each in one report.");
        // One line per study; each lives in its own file under Commands/Study.
        command.Subcommands.Add(GradientsCommand.Create());
        command.Subcommands.Add(RegularizationCommand.Create());
        command.Subcommands.Add(RecordCommand.Create());
        return command;
    }
}
