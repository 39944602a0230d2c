using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Models;
using Tailor.Tests.Kernels;
using Tailor.Threading;

namespace Tailor.Tests.Models;

/// <summary>The same seed gives the same weights and the same History, bit for bit, whatever the thread count.</summary>
[Collection(GlobalSwitches.Name)]
public class DeterminismTests
{
    private static (float[][] Weights, Dictionary<string, double[]> History) Train(ulong modelSeed = 5, ulong fitSeed = 9)
    {
        var (x, y, _) = SyntheticData.Images(256, 12, 12, 3, seed: 1);
        var model = new Sequential(
        [
            new Conv2D(4, 3, activation: Activation.Relu),
            new MaxPooling2D(2),
            new Flatten(),
            new Dropout(0.25f),
            new Dense(3, Activation.Softmax),
        ], seed: modelSeed);
        model.Compile("adam", "categorical_crossentropy", "accuracy");
        var history = model.Fit(x, y, epochs: 2, batchSize: 32, validationSplit: 0.25, seed: fitSeed, verbose: 0);
        return (model.Parameters.Select(p => p.Value.Span.ToArray()).ToArray(),
            history.Values.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()));
    }

    private static void AssertBitwiseEqual((float[][] Weights, Dictionary<string, double[]> History) a, (float[][] Weights, Dictionary<string, double[]> History) b)
    {
        Assert.Equal(a.Weights.Length, b.Weights.Length);
        for (int i = 0; i < a.Weights.Length; i++)
        {
            var bitsA = a.Weights[i].Select(BitConverter.SingleToInt32Bits);
            var bitsB = b.Weights[i].Select(BitConverter.SingleToInt32Bits);
            Assert.True(bitsA.SequenceEqual(bitsB), $"parameter {i} differs");
        }
        Assert.Equal(["loss", "accuracy", "val_loss", "val_accuracy"], a.History.Keys);
        Assert.Equal(a.History.Keys, b.History.Keys);
        foreach (var key in a.History.Keys)
            Assert.Equal(a.History[key].Select(BitConverter.DoubleToInt64Bits), b.History[key].Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Same_seed_twice_gives_the_same_weights_and_history_bit_for_bit()
    {
        AssertBitwiseEqual(Train(), Train());
    }

    [Fact]
    public void One_thread_and_two_threads_give_the_same_bits()
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = 1;
            var one = Train();
            WorkerPool.Threads = 2;
            var two = Train();
            AssertBitwiseEqual(one, two);
        }
        finally
        {
            WorkerPool.Threads = saved;
        }
    }

    [Fact]
    public void Another_seed_gives_other_weights_and_another_fit_seed_another_history()
    {
        var baseline = Train();
        var otherModel = Train(modelSeed: 6);
        Assert.False(baseline.Weights[0].SequenceEqual(otherModel.Weights[0]));
        var otherFit = Train(fitSeed: 10);
        Assert.NotEqual(baseline.History["loss"], otherFit.History["loss"]);
    }
}
