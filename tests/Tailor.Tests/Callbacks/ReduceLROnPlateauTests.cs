using Tailor.Callbacks;
using Tailor.Optimizers.Schedules;

namespace Tailor.Tests.Callbacks;

public class ReduceLROnPlateauTests
{
    [Fact]
    public void Lowers_the_rate_by_factor_after_patience_epochs_without_improvement()
    {
        var model = CallbackHarness.SmallCnn("sgd");
        var reduce = new ReduceLROnPlateau(factor: 0.5, patience: 2);
        CallbackHarness.Script(reduce, model, "val_loss", 1.0, 0.9, 0.9, 0.95, 0.9, 0.91);
        // Epochs 3 and 4 do not improve on 0.9: halved at the end of epoch 4; epochs 5 and 6 again.
        Assert.Equal([(4, 0.005f), (6, 0.0025f)], reduce.Reductions);
        Assert.Equal(0.0025f, model.Optimizer!.LearningRate);
    }

    [Fact]
    public void Improvements_below_min_delta_count_as_a_plateau()
    {
        var model = CallbackHarness.SmallCnn("sgd");
        var reduce = new ReduceLROnPlateau(factor: 0.1, patience: 1, minDelta: 0.01);
        CallbackHarness.Script(reduce, model, "val_loss", 1.0, 0.995, 0.99);
        Assert.Equal([2, 3], reduce.Reductions.Select(r => r.Epoch));
    }

    [Fact]
    public void Cooldown_waits_before_counting_again_and_min_lr_is_a_floor()
    {
        var model = CallbackHarness.SmallCnn("sgd");
        var reduce = new ReduceLROnPlateau(factor: 0.1, patience: 1, cooldown: 2, minLearningRate: 0.0005);
        CallbackHarness.Script(reduce, model, "val_loss", 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0);
        // As Keras: reduced after epoch 2; the counter runs down at the start of epochs 3 and 4, so
        // epoch 3 is skipped and epoch 4 counts again; reduced after 4 to the floor; no further.
        Assert.Equal([2, 4], reduce.Reductions.Select(r => r.Epoch));
        Assert.Equal(0.0005f, model.Optimizer!.LearningRate);
    }

    [Fact]
    public void Refuses_a_factor_of_one_or_more_and_an_optimizer_on_a_schedule()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(factor: 1.0));
        var model = CallbackHarness.SmallCnn("sgd");
        model.Optimizer!.Schedule = new ExponentialDecay(0.01, 10, 0.9);
        var e = Assert.Throws<InvalidOperationException>(() => CallbackHarness.Script(new ReduceLROnPlateau(), model, "val_loss", 1.0));
        Assert.Contains("ExponentialDecay", e.Message);
    }
}
