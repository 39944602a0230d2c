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

/// <summary>`tailor study record` refuses a bad option in one line, before reading data or writing anything.</summary>
public sealed class RecordCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("--epochs 0", "tailor: error: --epochs must be 1 to 10,000, received 0.")]
    [InlineData("--quick --train-images 1", "tailor: error: --train-images must be 2 to 59,999 (a fifth of them validate), received 1.")]
    [InlineData("--seed -1", "tailor: error: --seed must be 0 to 18,446,744,073,709,551,615, received -1.")]
    public void A_bad_option_is_one_line_exit_code_2_and_nothing_written(string arguments, string expected)
    {
        string output = _temp.File("out");
        var result = CliProcess.Run(_temp.Path, ["study", "record", "--out", output, .. arguments.Split(' ')]);

        Assert.Equal(2, result.ExitCode);
        Assert.True(result.ErrorLines.Length == 1, result.Stderr);
        Assert.StartsWith(expected, result.ErrorLines[0]);
        Assert.False(Directory.Exists(output), "a failed command wrote output");
        Assert.Equal("", result.Stdout);
    }
}
