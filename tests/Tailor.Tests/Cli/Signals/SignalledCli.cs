using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Tailor.Tests.Data;

namespace Tailor.Tests.Cli.Signals;

/// <summary>
/// Runs the built `tailor` command in a child process and sends it SIGTERM at a chosen moment of its work,
/// as a job scheduler or `kill` would. The moment is counted from the command's first line on stdout: by
/// then the CLI's signal handler is in place (it is registered before anything is written), whereas a
/// signal during the runtime's own start-up would meet the default action.
/// </summary>
internal static partial class SignalledCli
{
    /// <summary>The tests that time signals share one collection, so that they do not run beside each other.</summary>
    public const string Collection = "Signals";

    /// <summary>How long a command may take to stop once signalled: the acceptance limit.</summary>
    public static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(3);

    /// <summary>What a run did: its exit code and output, and how long it worked (first stdout line to exit).</summary>
    public sealed record Run(int ExitCode, string Stdout, string Stderr, TimeSpan Working, bool Signalled)
    {
        public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        public override string ToString() => $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    /// <summary>Runs the command to its end.</summary>
    public static Run Complete(string workingDirectory, params string[] args) => Start(workingDirectory, null, _ => true, args);

    /// <summary>
    /// Runs the command and sends SIGTERM <paramref name="delay"/> after its first stdout line; when it has ended
    /// before that, <see cref="Run.Signalled"/> is false. Fails the test when it is still running
    /// <see cref="StopLimit"/> after the signal.
    /// </summary>
    public static Run Interrupt(string workingDirectory, TimeSpan delay, params string[] args) => Start(workingDirectory, delay, _ => true, args);

    /// <summary>As <see cref="Interrupt"/>, signalling as soon as a stdout line matches <paramref name="cue"/>.</summary>
    public static Run InterruptOn(string workingDirectory, Func<string, bool> cue, params string[] args) => Start(workingDirectory, TimeSpan.Zero, cue, args);

    /// <summary>
    /// Signals the command at <paramref name="thousandths"/> of <paramref name="working"/> (an uninterrupted run's
    /// working time); when the command ended first (this run was quicker), tries again at half the delay, up to
    /// three times, after <paramref name="beforeRetry"/> has cleared what it wrote, so that every moment does
    /// interrupt the command.
    /// </summary>
    public static Run InterruptAt(string workingDirectory, int thousandths, TimeSpan working, Action beforeRetry, params string[] args)
    {
        var delay = working * (thousandths / 1000.0);
        for (int attempt = 0; ; attempt++)
        {
            var run = Interrupt(workingDirectory, delay, args);
            // Exit 0 after a signal: it met a process that had already returned from Main (the CLI answers any
            // signal received before with 130), so the command ended first, as when it was not signalled at all.
            if (run.Signalled && run.ExitCode != 0) return run;
            Assert.True(run.ExitCode == 0, $"The run ended before the signal, and not well:\n{run}");
            Assert.True(attempt < 3, $"The command kept ending before the signal, {delay.TotalSeconds:F2} s after its first line.");
            beforeRetry();
            delay /= 2;
        }
    }

    private static Run Start(string workingDirectory, TimeSpan? delay, Func<string, bool> cue, string[] args)
    {
        var start = CliProcess.StartInfo(workingDirectory, args);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;

        var stdout = new StringBuilder();
        var cued = new ManualResetEventSlim();
        var clock = new Stopwatch();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.Append(e.Data).Append('\n');
            if (!cued.IsSet && cue(e.Data)) { clock.Start(); cued.Set(); }
        };
        process.Start();
        process.BeginOutputReadLine();
        var stderr = process.StandardError.ReadToEndAsync();
        string Describe() => $"tailor {string.Join(' ', args)}";

        bool signalled = false;
        if (delay is { } wait)
        {
            // No cue before an early exit: there is nothing to interrupt.
            while (!cued.Wait(TimeSpan.FromMilliseconds(50)) && !process.HasExited)
                if (process.StartTime.AddMinutes(1) < DateTime.Now) { process.Kill(true); Assert.Fail($"{Describe()} gave no cue within a minute."); }
            if (cued.IsSet)
            {
                Thread.Sleep(wait);
                // kill fails only when the process has ended and been reaped since HasExited was asked.
                if (!process.HasExited && Kill(process.Id, Sigterm) == 0)
                {
                    signalled = true;
                    if (!process.WaitForExit(StopLimit))
                    {
                        process.Kill(entireProcessTree: true);
                        Assert.Fail($"{Describe()} was still running {StopLimit.TotalSeconds} s after SIGTERM.");
                    }
                }
            }
        }
        if (!process.WaitForExit(RunLimit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Describe()} did not finish within {RunLimit.TotalMinutes} minutes.");
        }
        process.WaitForExit(); // the end of stdout
        clock.Stop();
        lock (stdout) return new Run(process.ExitCode, stdout.ToString(), stderr.Result, clock.Elapsed, signalled);
    }

    /// <summary>
    /// The interruption as the rules want it: exit code 130 and exactly one line on stderr, "tailor: error: ..."
    /// naming each of <paramref name="named"/>, and no stack trace.
    /// </summary>
    public static string AssertStoppedCleanly(Run run, params string[] named)
    {
        Assert.True(run.Signalled);
        Assert.True(run.ExitCode == 130, $"Expected exit code 130 after SIGTERM:\n{run}");
        Assert.DoesNotContain("   at ", run.Stderr + run.Stdout);
        Assert.True(run.ErrorLines.Length == 1, $"Expected one line on stderr:\n{run}");
        Assert.StartsWith("tailor: error: ", run.ErrorLines[0]);
        foreach (string name in named) Assert.Contains(name, run.ErrorLines[0]);
        return run.ErrorLines[0];
    }

    /// <summary>
    /// Ten moments, in thousandths of an uninterrupted run's working time below 800, drawn from a fixed seed: the
    /// same moments every time (653, 645, 366, 539, 459, 355, 36, 100, 794, 487). The last fifth is left out,
    /// where a run on a quieter machine may already have ended.
    /// </summary>
    public static IEnumerable<object[]> Moments()
    {
        var random = new Random(20_251_203);
        return Enumerable.Range(0, 10).Select(_ => new object[] { (int)Math.Round(800 * random.NextDouble()) }).ToList();
    }

    /// <summary>A folder of the four IDX files with the synthetic images, large enough for the notebook's sample.</summary>
    public static string WriteData(TempDirectory temp)
    {
        string folder = temp.Subfolder("data");
        SyntheticFashion.WriteFiles(folder, SyntheticFashion.Dataset(trainCount: 10_001, testCount: 2_501));
        return folder;
    }

    /// <summary>The lines of a CSV without the columns named in <paramref name="timing"/>.</summary>
    public static string[] CsvWithout(string path, params string[] timing)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => !timing.Contains(header[i])).ToArray();
        Assert.True(keep.Length == header.Length - timing.Length, $"{path} lacks one of the columns {string.Join(", ", timing)}.");
        // Quoted cells hold no comma in these files' numeric rows; a row with quotes is kept whole but for its timing cells.
        return [.. lines.Select(line => string.Join(',', keep.Select(i => line.Split(',')[i])))];
    }

    /// <summary>A JSON file's text without the lines of the keys named in <paramref name="timing"/> (the files are indented, one key a line).</summary>
    public static string[] JsonWithout(string path, params string[] timing) =>
        [.. File.ReadAllLines(path).Where(line => !timing.Any(key => line.TrimStart().StartsWith($"\"{key}\":", StringComparison.Ordinal)))];

    /// <summary>Every file under <paramref name="folder"/>, relative path to bytes, hidden ones included.</summary>
    public static SortedDictionary<string, byte[]> Files(string folder) =>
        new(Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes), StringComparer.Ordinal);

    /// <summary>Numbers printed with one decimal (the seconds of the tables), blanked.</summary>
    public static string WithoutSeconds(string text) => OneDecimal().Replace(text, "#");

    [GeneratedRegex(@"(?<![\d.])\d+\.\d(?![\d])")]
    private static partial Regex OneDecimal();

    private const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
