using System.Diagnostics;

namespace Tailor.Tests.Cli;

/// <summary>Runs a .NET program of the build (the CLI, the kernel check) in a child process, with the host running these tests.</summary>
internal static class ChildProcess
{
    /// <summary>The dotnet host running these tests (DOTNET_HOST_PATH is set by the SDK), else the one on PATH.</summary>
    public static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        string? current = Environment.ProcessPath;
        if (current != null && Path.GetFileNameWithoutExtension(current) == "dotnet") return current;
        return "dotnet";
    }

    /// <summary>
    /// Runs <paramref name="start"/> to its end, reading both streams so a full pipe never blocks it; null
    /// when it did not end within <paramref name="timeout"/> (it is then killed).
    /// </summary>
    public static (int ExitCode, string Stdout, string Stderr)? Run(ProcessStartInfo start, TimeSpan timeout)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return null;
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
