using Tailor.Tests.Data;

namespace Tailor.Tests.Cli;

/// <summary>Bad input to `tailor cv` and `tailor tune`: one line on stderr naming the option or file and what was expected, a non-zero exit code, nothing written.</summary>
public sealed class CliStudyBadInputTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Out => _temp.File("out");

    private CliProcess.Result Fails(params string[] args)
    {
        var result = CliProcess.Run(_temp.Path, args);
        Assert.Equal(2, result.ExitCode);
        Assert.True(result.ErrorLines.Length == 1, $"Expected one error line, got:\n{result.Stderr}");
        Assert.StartsWith("tailor: error: ", result.ErrorLines[0]);
        Assert.False(Directory.Exists(Out), $"{Out} exists after a failed command.");
        return result;
    }

    private string Space(string json)
    {
        string path = _temp.File("space.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    public void Fewer_than_two_folds_names_the_option(string folds)
    {
        string line = Fails("cv", "--folds", folds, "--out", Out).ErrorLines[0];

        Assert.Contains("--folds", line);
        Assert.Contains("at least 2", line);
    }

    [Fact]
    public void More_folds_than_the_smallest_class_has_images_names_the_option_and_the_limit()
    {
        string data = _temp.Subfolder("data");
        SyntheticFashion.WriteFiles(data, SyntheticFashion.Dataset(trainCount: 10_001, testCount: 2_501));

        string line = Fails("cv", "--data", data, "--folds", "5000", "--out", Out).ErrorLines[0];

        Assert.Contains("--folds", line);
        Assert.Matches(@"at most \d{3,4}, the number of samples in the smallest class", line);
        Assert.Contains("5000", line);
    }

    [Fact]
    public void A_malformed_space_file_names_the_file_line_and_column()
    {
        string space = Space("{\n  \"activation\": [\"relu\", \"elu\"],\n  \"padding\": [\"same\",]\n}\n");

        string line = Fails("tune", "--space", space, "--out", Out).ErrorLines[0];

        Assert.Contains(space, line);
        Assert.Matches("line 3, column [0-9]+", line);
    }

    [Fact]
    public void An_unknown_activation_names_the_key_and_the_valid_values()
    {
        string space = Space("""{"activation": ["relu", "swish"]}""");

        string line = Fails("tune", "--space", space, "--out", Out).ErrorLines[0];

        Assert.Contains("'activation'", line);
        Assert.Contains("swish", line);
        Assert.Contains("gelu", line);
    }

    [Fact]
    public void An_unknown_strategy_lists_the_valid_ones()
    {
        string line = Fails("tune", "--space", Space("{}"), "--strategy", "bayes", "--out", Out).ErrorLines[0];

        Assert.Contains("--strategy", line);
        Assert.Contains("random", line);
        Assert.Contains("grid", line);
    }

    [Fact]
    public void Grid_search_over_a_range_names_the_key()
    {
        string space = Space("""{"learning_rate": {"log_uniform": [0.0003, 0.003]}}""");

        string line = Fails("tune", "--space", space, "--strategy", "grid", "--out", Out).ErrorLines[0];

        Assert.Contains("learning_rate", line);
    }

    [Theory]
    [InlineData("--trials", "0")]
    [InlineData("--epochs", "0")]
    [InlineData("--final-epochs", "-1")]
    public void A_zero_or_negative_count_names_the_option(string option, string value)
    {
        string line = Fails("tune", "--space", Space("{}"), option, value, "--out", Out).ErrorLines[0];

        Assert.Contains(option, line);
    }
}
