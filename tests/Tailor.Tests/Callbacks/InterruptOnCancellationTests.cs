using Tailor.Callbacks;
using Tailor.Models;

namespace Tailor.Tests.Callbacks;

public class InterruptOnCancellationTests
{
    /// <summary>Cancels the token at the end of one batch, as a signal arriving during it would.</summary>
    private sealed class CancelAt(CancellationTokenSource source, int epoch, int batch) : Callback
    {
        public override void OnBatchEnd(int e, int b, double loss)
        {
            if (e == epoch && b == batch) source.Cancel();
        }
    }

    [Fact]
    public void A_token_cancelled_during_a_batch_stops_Fit_after_that_batch()
    {
        var (x, y, vx, vy) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn();
        using var source = new CancellationTokenSource();

        var history = model.Fit(x, y, epochs: 3, batchSize: 8, validationData: (vx, vy),
            callbacks: [new CancelAt(source, epoch: 1, batch: 2), new InterruptOnCancellation(source.Token)], verbose: 0);

        Assert.Equal([1], history.Epochs);
        Assert.Equal(1, model.Interruption!.Epoch);
        Assert.Equal(3, model.Interruption.Step);
    }

    [Fact]
    public void A_token_cancelled_before_Fit_stops_it_after_the_first_batch()
    {
        var (x, y, _, _) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn();
        using var source = new CancellationTokenSource();
        source.Cancel();

        var history = model.Fit(x, y, epochs: 2, batchSize: 8, callbacks: [new InterruptOnCancellation(source.Token)], verbose: 0);

        Assert.Empty(history.Epochs);
        Assert.Equal((0, 1), (model.Interruption!.Epoch, model.Interruption.Step));
    }

    [Fact]
    public void A_token_cancelled_in_the_last_batch_lets_Fit_finish_and_a_later_Fit_is_not_stopped_by_it()
    {
        var (x, y, _, _) = CallbackHarness.OverfittingData();
        var model = CallbackHarness.SmallCnn();
        using var source = new CancellationTokenSource();

        // 48 images in batches of 8: batch 5 is the last of each epoch.
        var history = model.Fit(x, y, epochs: 2, batchSize: 8, callbacks: [new CancelAt(source, epoch: 1, batch: 5), new InterruptOnCancellation(source.Token)], verbose: 0);
        Assert.Equal([1, 2], history.Epochs);
        Assert.Null(model.Interruption);

        // The registration ended with that Fit: this one, without the callback, runs to the end.
        history = model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        Assert.Equal([1, 2], history.Epochs);
        Assert.Null(model.Interruption);
    }
}
