using System.CommandLine;
using System.CommandLine.Parsing;
using Tailor.Cli;

// Started again by an MPI rank to watch its machine's ranks (see DeathWitness): nothing of the command line is meant.
if (args.Length > 0 && args[0] == Tailor.Distribution.Mpi.DeathWitness.Argument) return Tailor.Distribution.Mpi.DeathWitness.Run(args[1..]);

// First of all, so that a signal at any later moment stops the command cleanly.
SignalCancellation.Register();

var root = CliRoot.Create();

// Written to a file or a pipe, tables keep their full width instead of the 80 columns Spectre assumes
// when it cannot ask a terminal (the bench table wraps every figure at 80).
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 200;

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // One line per problem, naming the option, instead of the parser's help dump; the pointer to the help
    // ends the last line rather than taking one of its own, so that one problem is one line.
    for (int i = 0; i < parsed.Errors.Count; i++)
        Console.Error.WriteLine($"tailor: error: {CommandRunner.OneLine(Ranges.Describe(parsed.Errors[i]))}" +
            (i == parsed.Errors.Count - 1 ? $" See '{HelpCommand(parsed)}'." : ""));
    return ExitCodes.Usage;
}
return CommandRunner.Invoke(parsed);

// "tailor study gradients --help": the help of the command the line was meant for.
static string HelpCommand(ParseResult parsed)
{
    var names = new List<string>();
    for (SymbolResult? r = parsed.CommandResult; r is CommandResult c; r = c.Parent) names.Add(c.Parent == null ? "tailor" : c.Command.Name);
    names.Reverse();
    return string.Join(' ', names) + " --help";
}
