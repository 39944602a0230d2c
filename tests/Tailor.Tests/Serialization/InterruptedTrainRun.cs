using System.Diagnostics;
using Tailor.Tests.Data;

namespace Tailor.Tests.Serialization;

/// <summary>The `tailor train` run without interruption that a kill-and-resume test class compares with, run once per class.</summary>
public abstract class UninterruptedTrainRun : IDisposable
{
    private readonly TempDirectory _folder = new();

    protected UninterruptedTrainRun(string[] run)
    {
        var (code, output) = Cli.Run([.. run, "--out", _folder.Path]);
        Assert.True(code == 0, output);
    }

    public string Out => _folder.Path;

    public void Dispose() => _folder.Dispose();
}

/// <summary>What the kill-and-resume tests share: waiting for a checkpoint, and a history without its clock.</summary>
internal static class InterruptedTrainRun
{
    /// <summary>A history.csv without its last column, the seconds.</summary>
    public static string[] WithoutSeconds(string csv) =>
        File.ReadAllLines(csv).Select(line => line[..line.LastIndexOf(',')]).ToArray();

    /// <summary>Waits until <paramref name="condition"/> holds, failing if <paramref name="process"/> ends first or two minutes pass.</summary>
    public static void WaitFor(Func<bool> condition, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (process.HasExited)
                Assert.Fail($"tailor train ended (exit code {process.ExitCode}) before the awaited checkpoint appeared:\n{process.StandardError.ReadToEnd()}");
            if (clock.Elapsed > TimeSpan.FromMinutes(2)) { process.Kill(); Assert.Fail("No checkpoint appeared within two minutes."); }
            Thread.Sleep(2);
        }
    }
}
