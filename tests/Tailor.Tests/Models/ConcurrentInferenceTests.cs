using Tailor.Common;
using Tailor.Models;
using Tailor.Tensors;

namespace Tailor.Tests.Models;

/// <summary>
/// Predict and Evaluate from two threads on one model: each call gets exactly (bit for bit) what it gets
/// alone. The threads use different batch sizes and input counts, so that the layers' buffers would be
/// resized under each other's feet, and images with many exact zeros, so that the zero-skipping dense
/// product and the one-channel convolution run.
/// </summary>
public class ConcurrentInferenceTests
{
    private const int Rounds = 50;

    /// <summary>28 x 28 images with about 70% zeros (a background) and the rest in [0, 1).</summary>
    private static Tensor Images(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[count * 784];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat() < 0.7f ? 0f : rng.NextFloat();
        return new Tensor(x, count, 28, 28, 1);
    }

    private static Tensor OneHot(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var y = new float[count * 10];
        for (int n = 0; n < count; n++) y[n * 10 + rng.NextInt(10)] = 1;
        return new Tensor(y, count, 10);
    }

    private static Tensor InputsFor(NotebookModel kind, Tensor images) =>
        kind == NotebookModel.Dense ? images.Reshape(images.Dim(0), 784) : images;

    private static Sequential Model(NotebookModel kind)
    {
        var model = NotebookModels.Create(kind, seed: 3);
        model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
        return model;
    }

    private static int[] Bits(Tensor t) => t.Span.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <summary>Runs the actions on threads of their own, released together; rethrows what any of them threw.</summary>
    private static void RunTogether(params Action[] actions)
    {
        using var start = new Barrier(actions.Length);
        var failures = new Exception?[actions.Length];
        var threads = actions.Select((action, i) => new Thread(() =>
        {
            start.SignalAndWait();
            try { action(); }
            catch (Exception e) { failures[i] = e; }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        var thrown = failures.OfType<Exception>().ToArray();
        if (thrown.Length > 0) throw new AggregateException(thrown);
    }

    /// <summary>Calls <paramref name="predict"/> <see cref="Rounds"/> times, checking every result against <paramref name="expected"/>.</summary>
    private static void RepeatPredict(Func<Tensor> predict, int[] expected, string who)
    {
        for (int round = 0; round < Rounds; round++)
        {
            var bits = Bits(predict());
            Assert.True(expected.AsSpan().SequenceEqual(bits), $"{who}: round {round + 1} differs from the single-threaded probabilities.");
        }
    }

    [Theory]
    [InlineData(NotebookModel.Cnn)]
    [InlineData(NotebookModel.Dense)]
    public void Two_threads_predicting_on_one_model_get_the_single_threaded_bits(NotebookModel kind)
    {
        var model = Model(kind);
        var small = InputsFor(kind, Images(150, seed: 1));
        var large = InputsFor(kind, Images(300, seed: 2));
        var expectedSmall = Bits(model.Predict(small, batchSize: 32));
        var expectedLarge = Bits(model.Predict(large, batchSize: 256));

        RunTogether(
            () => RepeatPredict(() => model.Predict(small, batchSize: 32), expectedSmall, "batches of 32"),
            () => RepeatPredict(() => model.Predict(large, batchSize: 256), expectedLarge, "batches of 256"));
    }

    [Theory]
    [InlineData(NotebookModel.Cnn)]
    [InlineData(NotebookModel.Dense)]
    public void Evaluate_beside_Predict_on_one_model_gets_the_single_threaded_bits(NotebookModel kind)
    {
        var model = Model(kind);
        var x = InputsFor(kind, Images(300, seed: 4));
        var y = OneHot(300, seed: 5);
        var other = InputsFor(kind, Images(150, seed: 6));
        var expected = model.Evaluate(x, y, batchSize: 256);
        var expectedPredict = Bits(model.Predict(other, batchSize: 32));

        RunTogether(
            () =>
            {
                for (int round = 0; round < Rounds; round++)
                {
                    var result = model.Evaluate(x, y, batchSize: 256);
                    Assert.True(BitConverter.DoubleToInt64Bits(expected.Loss) == BitConverter.DoubleToInt64Bits(result.Loss)
                        && BitConverter.DoubleToInt64Bits(expected.Accuracy) == BitConverter.DoubleToInt64Bits(result.Accuracy),
                        $"Evaluate, round {round + 1}: {result} instead of {expected}.");
                }
            },
            () => RepeatPredict(() => model.Predict(other, batchSize: 32), expectedPredict, "Predict beside Evaluate"));
    }
}
