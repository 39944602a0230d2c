using Tailor.Callbacks;
using Tailor.Models;

namespace Tailor.Tests.Callbacks;

public class TerminateOnNaNTests
{
    private static (Tailor.Tensors.Tensor X, Tailor.Tensors.Tensor Y) DataWithNaNInSample(int sample)
    {
        var (x, y, _, _) = CallbackHarness.OverfittingData();
        y[sample, 0] = float.NaN; // a NaN target gives a NaN loss whatever the layers do with it
        return (x, y);
    }

    [Fact]
    public void Stops_at_the_first_non_finite_loss_without_applying_that_update()
    {
        var (x, y) = DataWithNaNInSample(20);
        var model = CallbackHarness.SmallCnn();
        var terminate = new TerminateOnNaN();
        var recorder = new BatchWeights();
        var history = model.Fit(x, y, epochs: 3, batchSize: 8, shuffle: false, callbacks: [recorder, terminate], verbose: 0);

        Assert.Equal((1, 3), terminate.TerminatedAt);
        Assert.Single(history.Epochs);
        Assert.True(double.IsNaN(history["loss"][0]));
        var weights = model.GetWeights();
        Assert.All(weights, w => Assert.All(w, v => Assert.True(float.IsFinite(v))));
        Assert.Equal(recorder.AfterBatch[1][0], weights[0]);
    }

    [Fact]
    public void Without_it_a_non_finite_loss_is_an_error()
    {
        var (x, y) = DataWithNaNInSample(20);
        var model = CallbackHarness.SmallCnn();
        var e = Assert.Throws<TrainingDivergedException>(() => model.Fit(x, y, epochs: 1, batchSize: 8, shuffle: false, verbose: 0));
        Assert.Contains("batch 3 of 6", e.Message);
    }

    private sealed class BatchWeights : Callback
    {
        public List<float[][]> AfterBatch { get; } = [];

        public override void OnBatchEnd(int epoch, int batch, double loss)
        {
            if (double.IsFinite(loss)) AfterBatch.Add(Model!.GetWeights());
        }
    }
}
