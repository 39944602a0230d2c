using System.Diagnostics;

namespace Tailor.Tests.Cli;

/// <summary>Runs the built `tailor` command (Tailor.Cli.dll, copied beside the tests) in a child process, as a user would.</summary>
internal static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>
    /// The command line that runs the built CLI with <paramref name="args"/>: the dotnet host, then the CLI's
    /// dll and the arguments, behind any <paramref name="prefix"/> (a shell that sets limits first).
    /// </summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, string[] args, params string[] prefix)
    {
        var start = new ProcessStartInfo(prefix.Length > 0 ? prefix[0] : ChildProcess.DotnetHost()) { WorkingDirectory = workingDirectory, UseShellExecute = false };
        foreach (string arg in prefix.Skip(1)) start.ArgumentList.Add(arg);
        if (prefix.Length > 0) start.ArgumentList.Add(ChildProcess.DotnetHost());
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Tailor.Cli.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        // The repository's data must not be found behind the test's back.
        start.Environment["TAILOR_DATA"] = null;
        return start;
    }

    public static Result Run(string workingDirectory, params string[] args)
    {
        var start = StartInfo(workingDirectory, args);
        var (exitCode, stdout, stderr) = ChildProcess.Run(start, TimeSpan.FromMinutes(2))
            ?? throw new TimeoutException($"tailor {string.Join(' ', args)} did not finish within 2 minutes.");
        return new Result(exitCode, stdout, stderr);
    }
}
