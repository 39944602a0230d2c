using System.Text.Json;
using Tailor.Studies.Tuning;
using Tailor.Tests.Data;
using Tailor.Tests.Distribution;

namespace Tailor.Tests.Studies.Tuning;

public sealed class TunerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // Small convnets so a trial on a few hundred images takes a fraction of a second.
    private static SearchSpace TinySpace() => SearchSpace.Parse("""
        {"conv_layers": [1], "filters": [4], "dense_units": [8], "activation": ["relu", "tanh"], "optimizer": ["adam"],
         "learning_rate": [0.01, 0.001], "batch_size": [50]}
        """);

    [Fact]
    public void A_grid_search_trains_every_trial_ranks_them_by_best_validation_accuracy_and_writes_its_table()
    {
        var train = StudyData.Set(300);
        var validation = StudyData.Set(100, offset: 300);
        var heard = new List<int>();

        var result = Tuner.Search(TinySpace(), new TuningOptions { Strategy = SearchStrategy.Grid, Epochs = 2, Baseline = false, Final = false },
            train, validation, (trial, count) => { heard.Add(trial.Number); Assert.Equal(4, count); });

        Assert.Equal([1, 2, 3, 4], heard);
        Assert.Equal(4, result.Ranked.Count);
        Assert.Null(result.Baseline);
        var scores = result.Ranked.Select(t => t.BestValidationAccuracy).ToArray();
        Assert.Equal(scores.OrderDescending(), scores);
        foreach (var t in result.Ranked)
        {
            Assert.Null(t.Failure);
            Assert.Equal(t.History!["val_accuracy"].Max(), t.BestValidationAccuracy);
            Assert.Equal(t.BestValidationAccuracy, t.History["val_accuracy"][t.BestEpoch - 1]);
        }

        string dir = _temp.Subfolder("tune");
        result.WriteOutputs(dir);
        string[] csv = File.ReadAllLines(Path.Combine(dir, "results.csv"));
        Assert.Equal(5, csv.Length);
        Assert.StartsWith("rank,trial,best_val_accuracy,best_epoch,", csv[0]);
        Assert.StartsWith($"1,{result.Best.Number},", csv[1]);
        Assert.Contains("Trials, best first", File.ReadAllText(Path.Combine(dir, "report.html")));
        Assert.False(File.Exists(Path.Combine(dir, "final_accuracy.png")));
    }

    [Fact]
    public void A_random_search_with_a_baseline_and_a_final_run_reports_both()
    {
        var train = StudyData.Set(200);
        var validation = StudyData.Set(100, offset: 200);
        var space = SearchSpace.Parse("""{"conv_layers": [1], "filters": [4], "dense_units": [8], "learning_rate": {"log_uniform": [0.001, 0.01]}}""");
        var options = new TuningOptions { Trials = 2, Epochs = 1, Seed = 9 };

        var result = Tuner.Search(space, options, train, validation);
        var final = Tuner.TrainFinal(result.Best.Config, epochs: 1, options.Seed, train, validation, StudyData.Set(60, offset: 300));
        result = result.WithFinal(final);

        Assert.Equal(2, result.Ranked.Count);
        Assert.NotNull(result.Baseline);
        Assert.Equal(ConvNetConfig.NotebookCnnWithDropout, result.Baseline!.Config);
        Assert.Equal(93_322, result.Baseline.Parameters);
        Assert.Equal(60, final.TestCount);
        Assert.InRange(final.Test.Accuracy, 0, 1);
        string dir = _temp.Subfolder("tune");
        result.WriteOutputs(dir);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        Assert.Equal(final.Test.Accuracy, json.RootElement.GetProperty("final").GetProperty("test_accuracy").GetDouble());
        Assert.Equal(0, json.RootElement.GetProperty("baseline").GetProperty("trial").GetInt32());
        Assert.True(File.Exists(Path.Combine(dir, "final_accuracy.png")));
        Assert.Contains("The best configuration on the full training set", File.ReadAllText(Path.Combine(dir, "report.html")));
    }

    [Fact]
    public void The_same_seed_gives_the_same_trials_and_scores()
    {
        var train = StudyData.Set(200);
        var validation = StudyData.Set(100, offset: 200);
        var options = new TuningOptions { Trials = 2, Epochs = 1, Baseline = false, Final = false, Seed = 4 };

        var a = Tuner.Search(TinySpace(), options, train, validation);
        var b = Tuner.Search(TinySpace(), options, train, validation);

        Assert.Equal(a.Ranked.Select(t => (t.Config, t.BestValidationAccuracy)), b.Ranked.Select(t => (t.Config, t.BestValidationAccuracy)));
    }

    [Fact]
    public void Trials_computed_last_first_as_on_several_ranks_give_the_one_process_result()
    {
        var train = StudyData.Set(200);
        var validation = StudyData.Set(100, offset: 200);
        var options = new TuningOptions { Trials = 2, Epochs = 1, Baseline = true, Final = false, Seed = 4 };
        var reversed = new ReversedUnitScheduler();

        var spread = Tuner.Search(TinySpace(), options, train, validation, reversed)!;
        var alone = Tuner.Search(TinySpace(), options, train, validation);

        // Unit 0 is the baseline, then the trials in plan order.
        Assert.Equal([2, 1, 0], reversed.Computed);
        Assert.Equal(alone.Ranked.Select(t => (t.Number, t.Config, t.Parameters, t.Failure)), spread.Ranked.Select(t => (t.Number, t.Config, t.Parameters, t.Failure)));
        for (int i = 0; i < alone.Ranked.Count; i++) Assert.Equal(alone.Ranked[i].History!.Values, spread.Ranked[i].History!.Values);
        Assert.Equal(alone.Baseline!.History!.Values, spread.Baseline!.History!.Values);
    }
}
