namespace Tailor.Tests.Cli;

/// <summary>
/// Runs the built `tailor` command as the hostile-input checks require: at most 30 s, and at most 1 GiB
/// of managed heap (DOTNET_GCHeapHardLimit) inside an address-space limit (`ulimit -v`) of 1 GiB above
/// what the runtime reserves before running any code (about 0.75 GiB here: the runtime alone does not
/// start under a plain 1 GiB `ulimit -v`). A native allocation (an image decoder's pixel buffer) or a
/// managed one past those limits fails the command, which must then still end in one clear line.
/// </summary>
internal static class BoundedCli
{
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(30);
    public const long HeapLimitBytes = 1L << 30;
    public const long AddressSpaceLimitKiB = (HeapLimitBytes >> 10) + 768 * 1024;

    public static CliProcess.Result Run(string workingDirectory, params string[] args) => Run(workingDirectory, null, args);

    /// <summary>As <see cref="Run(string, string[])"/>, with extra environment variables for the child.</summary>
    public static CliProcess.Result Run(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var start = CliProcess.StartInfo(workingDirectory, args, "/bin/sh", "-c", $"ulimit -v {AddressSpaceLimitKiB} && exec \"$@\"", "tailor");
        start.Environment["DOTNET_GCHeapHardLimit"] = $"0x{HeapLimitBytes:X}";
        if (environment != null)
            foreach (var (name, value) in environment) start.Environment[name] = value;
        var (exitCode, stdout, stderr) = ChildProcess.Run(start, TimeLimit)
            ?? throw new TimeoutException($"tailor {string.Join(' ', args)} did not finish within {TimeLimit.TotalSeconds} s.");
        return new CliProcess.Result(exitCode, stdout, stderr);
    }

    /// <summary>
    /// The command was refused as the hostile-input rules say: a non-zero exit, exactly one stderr line,
    /// "tailor: error: ..." naming each of <paramref name="named"/>, and no stack trace.
    /// </summary>
    public static string AssertRefused(CliProcess.Result result, params string[] named)
    {
        Assert.True(result.ExitCode != 0, $"Expected a non-zero exit.\nstdout:\n{result.Stdout}\nstderr:\n{result.Stderr}");
        AssertOneErrorLine(result, named);
        return result.ErrorLines[0];
    }

    /// <summary>Exactly one stderr line, "tailor: error: ..." naming each of <paramref name="named"/>, and no stack trace (the exit code is the caller's to judge).</summary>
    public static void AssertOneErrorLine(CliProcess.Result result, params string[] named)
    {
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout);
        Assert.True(result.ErrorLines.Length == 1, $"Expected one error line, got:\n{result.Stderr}");
        string line = result.ErrorLines[0];
        Assert.StartsWith("tailor: error: ", line);
        foreach (string name in named) Assert.Contains(name, line);
    }
}
