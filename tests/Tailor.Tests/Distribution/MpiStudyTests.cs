using Tailor.Tests.Cli.Signals;
using Tailor.Tests.Data;

namespace Tailor.Tests.Distribution;

/// <summary>
/// `tailor tune` and `tailor cv` under mpiexec: rank 0 hands trials and folds to the ranks as they become free,
/// and writes the tables of the one-process run (all but the seconds, which are the clock's).
/// </summary>
public sealed class MpiStudyTests
{
    /// <summary>Runs <paramref name="args"/> alone and on two ranks; returns the two output folders and rank 0's stdout.</summary>
    private static (string Alone, string Two, string TwoStdout) AloneAndOnTwoRanks(string folder, string[] args)
    {
        string alone = Path.Combine(folder, "alone"), two = Path.Combine(folder, "two");
        var one = MpiTrainTests.Run(null, [.. args, "--out", alone]);
        Assert.True(one.ExitCode == 0, $"alone: exit {one.ExitCode}\n{one.Stdout}\n{one.Stderr}");
        var (code, stdout, stderr) = MpiTrainTests.Run(2, [.. args, "--out", two]);
        Assert.True(code == 0, $"2 ranks: exit {code}\n{stdout}\n{stderr}");
        return (alone, two, stdout);
    }

    [MpiFact]
    public void Tune_on_two_ranks_writes_the_results_and_trains_the_final_model_of_one_process()
    {
        using var folder = new TempDirectory();
        string space = folder.File("space.json");
        // One tiny convolution a trial: under a second each, and a few seconds for the final epoch on 60,000 images.
        File.WriteAllText(space, """{"conv_layers": [1], "filters": [1, 2], "kernel_size": [3, 5], "dense_layers": [0], "dropout": [0.0, 0.5], "batch_size": [1024]}""");

        var (alone, two, stdout) = AloneAndOnTwoRanks(folder.Path, ["tune", "--space", space, "--trials", "4", "--epochs", "1", "--final-epochs", "1", "--no-baseline"]);

        Assert.Equal(SignalledCli.CsvWithout(Path.Combine(alone, "results.csv"), "seconds"), SignalledCli.CsvWithout(Path.Combine(two, "results.csv"), "seconds"));
        Assert.Equal(5, File.ReadAllLines(Path.Combine(two, "results.csv")).Length);
        Assert.Equal(SignalledCli.JsonWithout(Path.Combine(alone, "summary.json"), "seconds"), SignalledCli.JsonWithout(Path.Combine(two, "summary.json"), "seconds"));
        // The final model (rank 0's, on the full training set): its curve and test score are the one-process ones.
        Assert.Equal(File.ReadAllBytes(Path.Combine(alone, "final_accuracy.png")), File.ReadAllBytes(Path.Combine(two, "final_accuracy.png")));
        Assert.Contains("\"final\": {", File.ReadAllText(Path.Combine(two, "summary.json")));
        Assert.Contains("handed to 2 MPI ranks", stdout);
        // Rank 0 alone speaks: each trial once.
        Assert.Single(stdout.Split('\n'), l => l.StartsWith("Trial 3/4: ", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(two, "trials")), "the trials folder outlived the search");
    }

    [MpiFact]
    public void Cv_on_two_ranks_writes_the_folds_of_one_process()
    {
        using var folder = new TempDirectory();

        var (alone, two, stdout) = AloneAndOnTwoRanks(folder.Path, ["cv", "--model", "dense", "--folds", "3", "--epochs", "1"]);

        Assert.Equal(SignalledCli.CsvWithout(Path.Combine(alone, "folds.csv"), "seconds"), SignalledCli.CsvWithout(Path.Combine(two, "folds.csv"), "seconds"));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(two, "folds.csv")).Length);
        Assert.Equal(SignalledCli.JsonWithout(Path.Combine(alone, "summary.json"), "seconds", "total_seconds"),
            SignalledCli.JsonWithout(Path.Combine(two, "summary.json"), "seconds", "total_seconds"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(alone, "val_accuracy.png")), File.ReadAllBytes(Path.Combine(two, "val_accuracy.png")));
        Assert.Single(stdout.Split('\n'), l => l.StartsWith("Fold 2/3: ", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(two, "folds")), "the folds folder outlived the cross-validation");
    }
}
