using Tailor.Tests.Data;

namespace Tailor.Tests.Cli;

/// <summary>`tailor study regularization` refuses a bad option in one line, before reading data or writing anything.</summary>
public sealed class StudyCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("--epochs 0", "tailor: error: --epochs must be 1 to 10,000, received 0.")]
    [InlineData("--quick --l2 -1", "tailor: error: --l2 must be in (0, 1], received -1.")]
    [InlineData("--augment flip,blur", "tailor: error: --augment: Unknown augmentation step 'blur'.")]
    public void A_bad_option_is_one_line_exit_code_2_and_nothing_written(string arguments, string expected)
    {
        string output = _temp.File("out");
        var result = CliProcess.Run(_temp.Path, ["study", "regularization", "--out", output, .. arguments.Split(' ')]);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.ErrorLines.Length == 1, result.Stderr);
        Assert.StartsWith(expected, result.ErrorLines[0]);
        Assert.False(Directory.Exists(output), "a failed command wrote output");
        Assert.Equal("", result.Stdout);
    }
}
