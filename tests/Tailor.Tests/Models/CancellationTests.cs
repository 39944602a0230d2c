using Tailor.Kernels;
using Tailor.Layers.Core;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Tensors;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Models;

/// <summary>Fit, Evaluate and Predict take a CancellationToken, as .NET APIs do.</summary>
public sealed class CancellationTests
{
    private static (Sequential Model, Tensor X, Tensor Y) Problem()
    {
        var model = new Sequential(seed: 1);
        model.Add(new Dense(8, Activation.Relu));
        model.Add(new Dense(3, Activation.Softmax));
        model.Build(5);
        model.Compile(new Sgd(0.1f), new CategoricalCrossentropy(), "accuracy");
        var rng = new Common.Rng(2);
        var x = new Tensor(RandomData.Uniform(rng, 64 * 5), [64, 5]);
        var y = new Tensor(64, 3);
        for (int i = 0; i < 64; i++) y[i, i % 3] = 1;
        return (model, x, y);
    }

    /// <summary>Cancels its token when the given batch of the given epoch ends.</summary>
    private sealed class CancelAt(CancellationTokenSource source, int epoch, int batch) : Callback
    {
        public override void OnBatchEnd(int epochIndex, int batchIndex, double loss)
        {
            if (epochIndex == epoch && batchIndex == batch) source.Cancel();
        }
    }

    [Fact]
    public void A_cancelled_fit_stops_after_the_batch_in_progress_and_says_where()
    {
        var (model, x, y) = Problem();
        using var source = new CancellationTokenSource();

        var history = model.Fit(x, y, epochs: 5, batchSize: 8, verbose: 0, seed: 3,
            callbacks: [new CancelAt(source, epoch: 1, batch: 2)], cancellationToken: source.Token);

        Assert.Single(history.Epochs);
        Assert.NotNull(model.Interruption);
        Assert.Equal(1, model.Interruption!.Epoch);
        Assert.Equal(3, model.Interruption.Step);
    }

    [Fact]
    public void Evaluate_and_predict_throw_on_a_cancelled_token_and_run_on_an_uncancelled_one()
    {
        var (model, x, y) = Problem();
        using var source = new CancellationTokenSource();

        Assert.Equal(model.Predict(x).Span.ToArray(), model.Predict(x, cancellationToken: source.Token).Span.ToArray());
        source.Cancel();

        Assert.Throws<OperationCanceledException>(() => model.Predict(x, batchSize: 16, cancellationToken: source.Token));
        Assert.Throws<OperationCanceledException>(() => model.Evaluate(x, y, batchSize: 16, cancellationToken: source.Token));
    }
}
