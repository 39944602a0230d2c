using System.Text.Json;
using Tailor.Data;
using Tailor.Models;
using Tailor.Studies;
using Tailor.Tests.Data;
using Tailor.Visualization;

namespace Tailor.Tests.Studies;

/// <summary>Early stopping, schedules and augmentation as `tailor train` wires them, on a small sample.</summary>
public sealed class TrainingRunOptionsTests
{
    private static FashionSample Sample() => FashionSample.Draw(FashionMnist.Load(new DataLocator().Locate().Directory),
        FashionSampleOptions.Notebook with { TrainCount = 600, ValidationCount = 300, TestCount = 300 });

    [Fact]
    public void Early_stopping_says_where_it_stopped_and_which_weights_it_kept_in_metrics_json()
    {
        var options = new TrainingOptions
        {
            Model = NotebookModel.Dense, Epochs = 60, EarlyStoppingPatience = 2, Optimizer = "adam", LearningRate = 0.01f,
            Schedule = "step:20,0.5", Seed = 2,
        };
        var run = TrainingRun.Train(Sample(), options, verbose: 0);

        var es = run.EarlyStopping!;
        Assert.True(es.StoppedEpoch is > 0 and < 60, $"stopped at {es.StoppedEpoch}");
        Assert.Equal(run.History.Epochs.Count, es.StoppedEpoch);
        var valLoss = run.History["val_loss"];
        Assert.Equal(valLoss.Select((v, i) => (v, i)).MinBy(p => p.v).i + 1, es.BestEpoch);
        using var json = JsonDocument.Parse(run.MetricsJson());
        var stopping = json.RootElement.GetProperty("early_stopping");
        Assert.Equal(es.StoppedEpoch, stopping.GetProperty("stopped_epoch").GetInt32());
        Assert.Equal(es.BestEpoch, stopping.GetProperty("kept_weights_of_epoch").GetInt32());
        Assert.Equal(60, json.RootElement.GetProperty("epochs_requested").GetInt32());
        Assert.Equal("ExponentialDecay", json.RootElement.GetProperty("lr_schedule").GetProperty("class_name").GetString());
        // The test metrics are those of the kept weights.
        Assert.Equal(valLoss[es.BestEpoch - 1], run.Model.Evaluate(TrainingRun.Inputs(Sample().Validation, NotebookModel.Dense), Sample().Validation.OneHot, 256).Loss, 1e-6);
    }

    [Fact]
    public void Augmentation_writes_a_preview_beside_the_other_outputs()
    {
        using var temp = new TempDirectory();
        var options = new TrainingOptions { Model = NotebookModel.Cnn, Epochs = 1, Augment = "flip,shift:2", Seed = 2 };
        var run = TrainingRun.Train(Sample(), options, verbose: 0);
        run.WriteOutputs(temp.Path);

        Assert.Contains("augmentation.png", run.OutputFiles);
        Assert.True(PngFile.IsPng(File.ReadAllBytes(temp.File("augmentation.png"))));
        using var json = JsonDocument.Parse(File.ReadAllText(temp.File("metrics.json")));
        Assert.Equal("flip,shift:2", json.RootElement.GetProperty("augment").GetString());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("early_stopping").ValueKind);
    }
    [Fact]
    public void Shards_are_written_to_the_options_only_when_given_and_read_back()
    {
        var sample = new FashionSampleOptions();
        var plain = new TrainingOptions { Model = NotebookModel.Cnn, Seed = 3 };
        string plainJson = plain.ToJson(sample);
        Assert.DoesNotContain("shards", plainJson);  // the files of runs without shards stay as they were
        Assert.Null(TrainingOptions.FromJson(plainJson).Options.Shards);

        var sharded = plain with { Shards = 4 };
        Assert.Equal(4, TrainingOptions.FromJson(sharded.ToJson(sample)).Options.Shards);
        Assert.Contains("--shards", Assert.Throws<ArgumentException>(() => (plain with { Shards = 65 }).Validate()).Message);
    }

    [Fact]
    public void Momentum_nesterov_and_label_smoothing_are_kept_only_when_given_and_build_the_optimizer_and_loss()
    {
        var sample = new FashionSampleOptions();
        var plain = new TrainingOptions { Model = NotebookModel.ResNet, Optimizer = "sgd", Seed = 3 };
        string plainJson = plain.ToJson(sample);
        foreach (string key in new[] { "momentum", "nesterov", "label_smoothing" }) Assert.DoesNotContain(key, plainJson);
        Assert.Equal((0f, false), (((Tailor.Optimizers.Sgd)plain.CreateOptimizer()).Momentum, ((Tailor.Optimizers.Sgd)plain.CreateOptimizer()).Nesterov));
        Assert.Equal(0f, plain.CreateLoss().LabelSmoothing);

        var given = plain with { LearningRate = 0.1f, Momentum = 0.9f, Nesterov = true, LabelSmoothing = 0.1f };
        var read = TrainingOptions.FromJson(given.ToJson(sample)).Options;
        Assert.Equal((NotebookModel.ResNet, 0.9f, true, 0.1f), (read.Model, read.Momentum, read.Nesterov, read.LabelSmoothing));
        var sgd = Assert.IsType<Tailor.Optimizers.Sgd>(read.CreateOptimizer());
        Assert.Equal((0.1f, 0.9f, true), (sgd.LearningRate, sgd.Momentum, sgd.Nesterov));
        Assert.Equal(0.1f, read.CreateLoss().LabelSmoothing);
    }

    [Fact]
    public void Flip_averaging_is_kept_only_when_given_and_refused_for_the_dense_model()
    {
        var sample = new FashionSampleOptions();
        var plain = new TrainingOptions { Model = NotebookModel.Vgg, Seed = 3 };
        Assert.DoesNotContain("flip_average", plain.ToJson(sample));
        Assert.False(TrainingOptions.FromJson(plain.ToJson(sample)).Options.FlipAverage);

        Assert.True(TrainingOptions.FromJson((plain with { FlipAverage = true }).ToJson(sample)).Options.FlipAverage);
        var e = Assert.Throws<ArgumentException>(() => new TrainingOptions { Model = NotebookModel.Dense, FlipAverage = true }.Validate());
        Assert.StartsWith("--flip-average", e.Message);
    }
}
