using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Models;
using Tailor.Tests.Kernels;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Tests.Models;

/// <summary>
/// After warm-up, training allocates nothing per batch: buffers are sized once and reused. Measured
/// with GC.GetTotalAllocatedBytes, which counts every thread, so these run in the serial collection,
/// and on one thread: on a loaded machine the runtime itself allocates a little when worker threads
/// block and wake, which is not the engine's doing. (Per-thread kernel scratch is allocated up front
/// for every worker slot, so a second thread adds no buffers of its own.)
/// </summary>
[Collection(GlobalSwitches.Name)]
public sealed class AllocationTests : IDisposable
{
    private readonly int _savedThreads = WorkerPool.Threads;

    public AllocationTests() => WorkerPool.Threads = 1;

    public void Dispose() => WorkerPool.Threads = _savedThreads;

    private const int Samples = 250, BatchSize = 4; // 63 steps, the last one short

    private static Sequential SmallCnn(string optimizer)
    {
        var model = new Sequential(
        [
            new Conv2D(4, 3, activation: Activation.Relu),
            new MaxPooling2D(2),
            new Conv2D(4, 3, padding: Padding.Same, activation: Activation.Gelu),
            new AveragePooling2D(2),
            new Flatten(),
            new Dropout(0.2f),
            new Dense(8, Activation.Elu),
            new Dense(3, Activation.Softmax),
        ], seed: 3);
        model.Compile(optimizer, "categorical_crossentropy", "accuracy");
        return model;
    }

    public static TheoryData<string> Optimizers() => new(["sgd", "rmsprop", "adam", "adamw"]);

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Fit_allocates_nothing_per_batch_after_warm_up(string optimizer)
    {
        var (x, y, _) = SyntheticData.Images(Samples, 12, 12, 3, seed: 4);
        var model = SmallCnn(optimizer);
        model.Fit(x, y, epochs: 1, batchSize: BatchSize, verbose: 0);

        long twoEpochs = AllocatedBy(() => model.Fit(x, y, epochs: 2, batchSize: BatchSize, verbose: 0));
        long fourEpochs = AllocatedBy(() => model.Fit(x, y, epochs: 4, batchSize: BatchSize, verbose: 0));
        int steps = (Samples + BatchSize - 1) / BatchSize;
        // Fit allocates a little per epoch (the logs, the history: some 400 bytes); per batch it must
        // allocate nothing, and the smallest object is 24 bytes.
        double perBatch = (fourEpochs - twoEpochs) / (2.0 * steps);
        Assert.True(perBatch < 16, $"{perBatch:F0} bytes per batch ({twoEpochs} bytes for 2 epochs, {fourEpochs} for 4)");
    }

    /// <summary>A functional model with what the linear one lacks: a residual Add, a value read twice, a shared layer, Concatenate.</summary>
    private static Model SmallResidual()
    {
        var input = new Input([12, 12, 1]);
        var stem = new Conv2D(4, 3, padding: Padding.Same, activation: Activation.Relu).Call(input);
        var shared = new Conv2D(4, 3, padding: Padding.Same, activation: Activation.Tanh);
        var block = new Add().Call(stem, shared.Call(shared.Call(stem)));
        var pooled = new MaxPooling2D(2).Call(block);
        var joined = new Concatenate().Call(pooled, new AveragePooling2D(2).Call(stem));
        var x = new Dropout(0.2f).Call(new Flatten().Call(joined));
        var model = new Model(input, new Dense(3, Activation.Softmax).Call(x), seed: 3);
        model.Compile("adam", "categorical_crossentropy", "accuracy");
        return model;
    }

    [Fact]
    public void A_functional_Fit_allocates_nothing_per_batch_after_warm_up()
    {
        var (x, y, _) = SyntheticData.Images(Samples, 12, 12, 3, seed: 4);
        var model = SmallResidual();
        model.Fit(x, y, epochs: 1, batchSize: BatchSize, verbose: 0);

        long twoEpochs = AllocatedBy(() => model.Fit(x, y, epochs: 2, batchSize: BatchSize, verbose: 0));
        long fourEpochs = AllocatedBy(() => model.Fit(x, y, epochs: 4, batchSize: BatchSize, verbose: 0));
        int steps = (Samples + BatchSize - 1) / BatchSize;
        double perBatch = (fourEpochs - twoEpochs) / (2.0 * steps);
        Assert.True(perBatch < 16, $"{perBatch:F0} bytes per batch ({twoEpochs} bytes for 2 epochs, {fourEpochs} for 4)");
    }

    [Fact]
    public void A_sharded_Fit_allocates_nothing_per_batch_after_warm_up()
    {
        // 3 shards of 4 rows: 2, 1 and 1; the last batch of 2 rows leaves the third shard empty.
        var (x, y, _) = SyntheticData.Images(Samples, 12, 12, 3, seed: 4);
        var model = SmallCnn("adam");
        model.Fit(x, y, epochs: 1, batchSize: BatchSize, verbose: 0, shards: 3);

        long twoEpochs = AllocatedBy(() => model.Fit(x, y, epochs: 2, batchSize: BatchSize, verbose: 0, shards: 3));
        long fourEpochs = AllocatedBy(() => model.Fit(x, y, epochs: 4, batchSize: BatchSize, verbose: 0, shards: 3));
        int steps = (Samples + BatchSize - 1) / BatchSize;
        double perBatch = (fourEpochs - twoEpochs) / (2.0 * steps);
        Assert.True(perBatch < 16, $"{perBatch:F0} bytes per batch ({twoEpochs} bytes for 2 epochs, {fourEpochs} for 4)");
    }

    [Fact]
    public void TrainOnBatch_allocates_nothing_after_warm_up()
    {
        var (x, y, _) = SyntheticData.Images(32, 12, 12, 3, seed: 5);
        var model = SmallCnn("adam");
        for (int i = 0; i < 3; i++) model.TrainOnBatch(x, y);
        const int batches = 50;
        long bytes = AllocatedBy(() =>
        {
            for (int i = 0; i < batches; i++) model.TrainOnBatch(x, y);
        });
        // Zero in practice; a little slack for the test host, whose threads allocate now and then (a
        // per-batch allocation would be at least 24 bytes each time).
        Assert.True(bytes < batches * 16, $"{bytes} bytes for {batches} batches");
    }

    [Fact]
    public void Evaluate_allocates_only_its_result()
    {
        var (x, y, _) = SyntheticData.Images(Samples, 12, 12, 3, seed: 6);
        var model = SmallCnn("rmsprop");
        model.Evaluate(x, y, batchSize: BatchSize);
        long bytes = AllocatedBy(() => model.Evaluate(x, y, batchSize: BatchSize));
        Assert.True(bytes < 1024, $"{bytes} bytes for one evaluation of {Samples / BatchSize} batches");
    }

    /// <summary>
    /// The least of three measurements: a worker thread allocates its GEMM packing buffer (96 KB) the
    /// first time it happens to run a row block, which may be late in training; once per thread, it
    /// can spoil one measurement, not three.
    /// </summary>
    private static long AllocatedBy(Action action)
    {
        long least = long.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            action();
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        return least;
    }
}
