using Tailor.Tests.Data;

namespace Tailor.Tests.Cli;

/// <summary>Every command answers --help with its usage and exit code 0, required options or not.</summary>
public sealed class HelpTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("tutorial")]
    [InlineData("train")]
    [InlineData("evaluate")]
    [InlineData("predict")]
    [InlineData("export")]
    [InlineData("import")]
    [InlineData("data", "export")]
    [InlineData("data", "show")]
    [InlineData("tune")]
    [InlineData("cv")]
    [InlineData("study", "gradients")]
    [InlineData("study", "record")]
    public void Help_prints_the_usage(params string[] command)
    {
        var result = CliProcess.Run(_temp.Path, [.. command, "--help"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("Usage:", result.Stdout);
        Assert.Contains(command[^1], result.Stdout);
        Assert.Equal("", result.Stderr);
    }
}
