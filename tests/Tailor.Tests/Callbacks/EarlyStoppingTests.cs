using Tailor.Callbacks;
using Tailor.Models;

namespace Tailor.Tests.Callbacks;

public class EarlyStoppingTests
{
    private static (EarlyStopping Callback, int EpochsRun) Run(EarlyStopping callback, string key, params double[] values) =>
        (callback, CallbackHarness.Script(callback, CallbackHarness.SmallCnn(), key, values));

    [Fact]
    public void Stops_once_the_loss_has_not_improved_for_patience_epochs()
    {
        var (es, epochs) = Run(new EarlyStopping(patience: 2), "val_loss", 1.0, 0.8, 0.85, 0.9, 0.7, 0.6);
        Assert.Equal(4, epochs);
        Assert.Equal(4, es.StoppedEpoch);
        Assert.Equal(2, es.BestEpoch);
        Assert.Equal(0.8, es.BestValue);
    }

    [Fact]
    public void An_improvement_resets_the_patience()
    {
        var (es, epochs) = Run(new EarlyStopping(patience: 2), "val_loss", 1.0, 1.1, 0.9, 1.0, 0.8, 0.85);
        Assert.Equal(6, epochs);
        Assert.Equal(0, es.StoppedEpoch);
        Assert.Equal(5, es.BestEpoch);
    }

    [Fact]
    public void Improvements_smaller_than_min_delta_do_not_count()
    {
        var (strict, strictEpochs) = Run(new EarlyStopping(minDelta: 0.05, patience: 1), "val_loss", 1.0, 0.99, 0.98, 0.97);
        Assert.Equal(2, strictEpochs);
        Assert.Equal(1, strict.BestEpoch);
        var (_, looseEpochs) = Run(new EarlyStopping(minDelta: 0, patience: 1), "val_loss", 1.0, 0.99, 0.98, 0.97);
        Assert.Equal(4, looseEpochs);
    }

    [Fact]
    public void Accuracy_is_maximised_in_auto_mode_and_mode_can_be_forced()
    {
        var (auto, epochs) = Run(new EarlyStopping("val_accuracy", patience: 1), "val_accuracy", 0.5, 0.6, 0.55, 0.7);
        Assert.Equal(MonitorMode.Max, auto.Mode);
        Assert.Equal(3, epochs);
        Assert.Equal(2, auto.BestEpoch);
        var (min, minEpochs) = Run(new EarlyStopping("val_accuracy", patience: 1, mode: MonitorMode.Min), "val_accuracy", 0.5, 0.6, 0.55);
        Assert.Equal(2, minEpochs);
        Assert.Equal(1, min.BestEpoch);
    }

    [Fact]
    public void Improvements_that_miss_the_baseline_do_not_reset_the_patience()
    {
        double[] values = [0.9, 0.8, 0.85, 0.84];
        var (_, withBaseline) = Run(new EarlyStopping(patience: 2, baseline: 0.5), "val_loss", values);
        Assert.Equal(3, withBaseline);
        var (_, without) = Run(new EarlyStopping(patience: 2), "val_loss", values);
        Assert.Equal(4, without);
    }

    [Fact]
    public void Epochs_before_start_from_epoch_are_not_watched()
    {
        var (es, epochs) = Run(new EarlyStopping(patience: 1, startFromEpoch: 3), "val_loss", 0.1, 0.5, 0.9, 1.0, 1.1, 1.2);
        Assert.Equal(5, epochs);
        Assert.Equal(4, es.BestEpoch);
    }

    [Fact]
    public void A_missing_monitor_is_an_error_listing_what_is_logged()
    {
        var e = Assert.Throws<ArgumentException>(() => Run(new EarlyStopping("val_los", mode: MonitorMode.Min), "val_loss", 1.0));
        Assert.Contains("'val_los'", e.Message);
        Assert.Contains("val_loss", e.Message.Split("Available:")[1]);
        Assert.Contains("cannot tell whether 'val_gizmo'", Assert.Throws<ArgumentException>(() => new EarlyStopping("val_gizmo")).Message);
        Assert.Equal(MonitorMode.Max, new EarlyStopping("val_auc").Mode);
        Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(patience: -1));
    }

    [Fact]
    public void Restore_best_weights_gives_the_weights_of_the_best_epoch_as_a_checkpoint_of_that_epoch_holds_them()
    {
        var (x, y, vx, vy) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn(seed: 4);
        model.Optimizer!.LearningRate = 0.02f;
        var recorder = new WeightRecorder();
        var es = new EarlyStopping(patience: 3, restoreBestWeights: true);
        var saved = new Dictionary<int, float[][]>();
        var checkpoint = new ModelCheckpoint("best-{epoch}", saveBestOnly: true, save: (m, path) => saved[int.Parse(path[5..])] = m.GetWeights());
        var history = model.Fit(x, y, epochs: 40, batchSize: 8, validationData: (vx, vy), callbacks: [recorder, checkpoint, es], seed: 2, verbose: 0);

        var valLoss = history["val_loss"];
        int best = valLoss.Select((v, i) => (v, i)).MinBy(p => p.v).i + 1;
        Assert.True(es.StoppedEpoch > 0, $"the run was meant to overfit and stop early; val_loss: {string.Join(", ", valLoss.Select(v => v.ToString("F4")))}");
        Assert.Equal(history.Epochs.Count, es.StoppedEpoch);
        Assert.Equal(best + 3, es.StoppedEpoch);
        Assert.Equal(best, es.BestEpoch);
        Assert.True(es.RestoredBestWeights);
        Assert.Equal(best, checkpoint.LastSavedEpoch);
        var weights = model.GetWeights();
        for (int i = 0; i < weights.Length; i++)
        {
            Assert.Equal(saved[best][i], weights[i]);
            Assert.Equal(recorder.Epochs[best - 1][i], weights[i]);
        }
        Assert.NotEqual(recorder.Epochs[^1][0], weights[0]);
        Assert.Contains($"stopped after epoch {es.StoppedEpoch}", es.Describe(history.Epochs.Count));
        Assert.Contains($"kept the weights of epoch {best}", es.Describe(history.Epochs.Count));
    }

    [Fact]
    public void Without_restore_the_model_keeps_its_last_weights()
    {
        var (x, y, vx, vy) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn(seed: 4);
        model.Optimizer!.LearningRate = 0.02f;
        var recorder = new WeightRecorder();
        var es = new EarlyStopping(patience: 3);
        model.Fit(x, y, epochs: 40, batchSize: 8, validationData: (vx, vy), callbacks: [recorder, es], seed: 2, verbose: 0);
        Assert.False(es.RestoredBestWeights);
        Assert.Equal(recorder.Epochs[^1][0], model.GetWeights()[0]);
    }
}
