using Tailor.Callbacks;
using Tailor.Losses;
using Tailor.Metrics;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Serialization;
using Tailor.Tests.Data;
using Tailor.Tests.Serialization;
using Tailor.Tests.Callbacks;

namespace Tailor.Tests.Metrics;

/// <summary>Several metrics per compile: in the History with val_ twins, monitored by callbacks, kept by checkpoints.</summary>
public sealed class MetricsInFitTests
{
    private static Sequential Model(params string[] metrics)
    {
        var model = ModelFileTests.MixedModel();
        model.Compile(new Adam(0.005f), new CategoricalCrossentropy(), metrics);
        return model;
    }

    [Fact]
    public void Every_compiled_metric_and_its_validation_twin_are_logged_each_epoch()
    {
        var (x, y) = ModelFileTests.SyntheticImages(30, seed: 1);
        var (vx, vy) = ModelFileTests.SyntheticImages(10, seed: 2);
        var model = Model("accuracy", "f1", "weighted_precision", "top_2_accuracy");

        var history = model.Fit(x, y, epochs: 2, batchSize: 8, validationData: (vx, vy), verbose: 0);

        Assert.Equal(["accuracy", "f1", "loss", "top_2_accuracy", "val_accuracy", "val_f1", "val_loss", "val_top_2_accuracy", "val_weighted_precision", "weighted_precision"],
            history.Values.Keys.Order());
        var probabilities = model.Predict(vx);
        var f1 = new F1Score();
        f1.Update(model.Loss!, probabilities.Span, vy.Span, 10, vy.Dim(1));
        Assert.Equal(f1.Result(), history["val_f1"][^1]);
        Assert.All(history["top_2_accuracy"], v => Assert.InRange(v, 0, 1));
    }

    [Fact]
    public void Early_stopping_monitors_val_f1_going_up()
    {
        var (x, y) = ModelFileTests.SyntheticImages(30, seed: 3);
        var (vx, vy) = ModelFileTests.SyntheticImages(10, seed: 4);
        var stopping = new EarlyStopping("val_f1", patience: 1);

        Model("f1").Fit(x, y, epochs: 2, batchSize: 8, validationData: (vx, vy), verbose: 0, callbacks: [stopping]);

        Assert.Equal(MonitorMode.Max, stopping.Mode);
    }

    [Fact]
    public void A_mid_epoch_checkpoint_keeps_the_confusion_counts_and_resumes_to_the_same_values()
    {
        var (x, y) = ModelFileTests.SyntheticImages(37, seed: 5);
        var expected = Model("f1", "accuracy").Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, seed: 6);

        var interrupted = Model("f1", "accuracy");
        interrupted.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, seed: 6, callbacks: [new InterruptAt(1, 2)]);
        using var folder = new TempDirectory();
        CheckpointFile.Write(folder.Path, interrupted, interrupted.Interruption!);
        var checkpoint = CheckpointFile.ReadLatest(folder.Path);
        Assert.Equal(9, checkpoint.State.Metrics["f1"].Length);  // three classes, three by three counts
        var actual = checkpoint.Model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, resume: checkpoint.State);

        Assert.Equal(expected["f1"], actual["f1"]);
        Assert.Equal(expected["accuracy"], actual["accuracy"]);
    }
}
