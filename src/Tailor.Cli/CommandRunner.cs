using System.CommandLine;
using Tailor.Common;
using Tailor.Data;
using Tailor.Models;
using Tailor.Serialization;

namespace Tailor.Cli;

/// <summary>Runs the parsed command and turns the library's exceptions into one line and an exit code.</summary>
internal static class CommandRunner
{
    public static int Invoke(ParseResult parsed)
    {
        try
        {
            CommonOptions.Apply(parsed);
            if (parsed.Action is not System.CommandLine.Help.HelpAction) PathOptions.Check(parsed);
            // The parser's own handler would print a stack trace; errors are reported below, one line each.
            // Signals are SignalCancellation's alone: the parser's termination handling is off.
            int code = parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
            if (code == ExitCodes.Ok && SignalCancellation.Signal is { } signal)
            {
                // The signal came after the last point where the command could stop: it finished, and says so.
                Console.Error.WriteLine($"tailor: error: {signal} received as the command was finishing; it completed and wrote all its outputs.");
                return ExitCodes.Interrupted;
            }
            return code;
        }
        catch (Exception e) when (Describe(e) is var (message, code))
        {
            Console.Error.WriteLine($"tailor: error: {OneLine(message)}");
            return code;
        }
    }

    /// <summary>A message on one line: a path holding a newline (a file name) cannot add lines to the error.</summary>
    public static string OneLine(string message) => Common.ErrorText.OneLine(message);

    private static (string, int)? Describe(Exception e) => e switch
    {
        UsageException u => (u.Message, ExitCodes.Usage),
        ArgumentException a => (a.Message, ExitCodes.Usage),
        DataFormatException or DataNotFoundException or DataDownloadException => (e.Message, ExitCodes.Failure),
        TrainingDivergedException or ModelFormatException or OnnxImportException => (e.Message, ExitCodes.Failure),
        OperationInterruptedException => (e.Message, ExitCodes.Interrupted),
        OperationCanceledException when SignalCancellation.Signal is { } signal => ($"Interrupted by {signal}.", ExitCodes.Interrupted),
        NotSupportedException => (e.Message, ExitCodes.Failure),
        IOException or UnauthorizedAccessException => (e.Message, ExitCodes.Failure),
        AggregateException { InnerException: { } inner } => Describe(inner),
        _ => null,
    };
}

/// <summary>A wrong command line detected after parsing (a name or value the parser cannot judge).</summary>
internal sealed class UsageException(string message) : Exception(message);
