using Tailor.Callbacks;
using Tailor.Models;

namespace Tailor.Tests.Callbacks;

public class LearningRateSchedulerTests
{
    [Fact]
    public void Sets_the_rate_at_the_start_of_each_epoch_from_the_epoch_and_the_current_rate()
    {
        var (x, y, _, _) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn("sgd");
        var seen = new RatePerEpoch();
        model.Fit(x, y, epochs: 4, verbose: 0, callbacks: [new LearningRateScheduler((epoch, rate) => epoch < 2 ? rate : rate * 0.5f), seen]);
        Assert.Equal([0.01f, 0.01f, 0.005f, 0.0025f], seen.Rates);
    }

    [Fact]
    public void A_rate_that_is_not_positive_is_an_error_naming_the_epoch()
    {
        var (x, y, _, _) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn("sgd");
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, y, epochs: 3, verbose: 0, callbacks: [new LearningRateScheduler((epoch, _) => epoch == 1 ? 0 : 0.1f)]));
        Assert.Contains("epoch 2", e.Message);
    }

    private sealed class RatePerEpoch : Callback
    {
        public List<float> Rates { get; } = [];

        public override void OnBatchEnd(int epoch, int batch, double loss)
        {
            if (batch == 0) Rates.Add(Model!.Optimizer!.LearningRate);
        }
    }
}
