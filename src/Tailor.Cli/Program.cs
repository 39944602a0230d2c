using System.CommandLine;
using Tailor.Cli;
using Tailor.Cli.Commands;

// First of all, so that a signal at any later moment stops the command cleanly.
SignalCancellation.Register();

var root = new RootCommand("Tailor: the Zalando Fashion-MNIST study with a Keras-style C# engine.")
{
    CommonOptions.Data,
    CommonOptions.Threads,
};
root.Subcommands.Add(TutorialCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(ModelCommands.Evaluate());
root.Subcommands.Add(ModelCommands.Predict());
root.Subcommands.Add(ModelCommands.Export());
root.Subcommands.Add(DataCommands.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(StudyCommand.Create());
root.Subcommands.Add(CvCommand.Create());
root.Subcommands.Add(TuneCommand.Create());

// Written to a file or a pipe, tables keep their full width instead of the 80 columns Spectre assumes
// when it cannot ask a terminal (the bench table wraps every figure at 80).
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 200;

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // One line per problem, naming the option, instead of the parser's help dump.
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"tailor: error: {error.Message}");
    Console.Error.WriteLine("Run 'tailor --help' for the commands and options.");
    return ExitCodes.Usage;
}
return CommandRunner.Invoke(parsed);
