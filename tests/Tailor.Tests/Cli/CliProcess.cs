using System.Diagnostics;

namespace Tailor.Tests.Cli;

/// <summary>Runs the built `tailor` command (Tailor.Cli.dll, copied beside the tests) in a child process, as a user would.</summary>
internal static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static Result Run(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(ChildProcess.DotnetHost()) { WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Tailor.Cli.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        // The repository's data must not be found behind the test's back.
        start.Environment["TAILOR_DATA"] = null;
        var (exitCode, stdout, stderr) = ChildProcess.Run(start, TimeSpan.FromMinutes(2))
            ?? throw new TimeoutException($"tailor {string.Join(' ', args)} did not finish within 2 minutes.");
        return new Result(exitCode, stdout, stderr);
    }
}
