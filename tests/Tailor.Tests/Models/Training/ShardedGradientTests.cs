using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Normalization;
using Tailor.Layers.Regularization;
using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Optimizers;
using Tailor.Tensors;
using Tailor.Tests.Callbacks;
using Tailor.Tests.Serialization;

namespace Tailor.Tests.Models.Training;

/// <summary>
/// The sharded gradient step: a batch cut into S fixed shards whose partial sums are added in shard order gives
/// bits that depend on S only, not on which worker computed which shard nor in which order.
/// </summary>
public sealed class ShardedGradientTests
{
    /// <summary>Convolutions, regularizers, a seeded and an unseeded Dropout.</summary>
    private static Sequential Mixed(bool dropout = true)
    {
        var model = ModelFileTests.MixedModel(dropout);
        model.Compile(new Adam(0.005f), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        return model;
    }

    /// <summary>BatchNormalization (per-shard statistics, moving averages) between a convolution and dropout.</summary>
    private static Sequential Normalized()
    {
        var model = new Sequential(
        [
            new Conv2D(3, 3, activation: Activation.Relu),
            new BatchNormalization(momentum: 0.8f),
            new Flatten(),
            new Dropout(0.2f),
            new Dense(3, Activation.Softmax),
        ], seed: 5);
        model.Compile(new Adam(0.01f), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        return model;
    }

    private static (Tensor X, Tensor Y) Data(int count, ulong seed) => ModelFileTests.SyntheticImages(count, seed);

    private static History Train(Sequential model, GradientStep step, Tensor x, Tensor y, int epochs = 2, IReadOnlyList<Callback>? callbacks = null,
        TrainingState? resume = null, (Tensor X, Tensor Y)? validation = null, float[]? sampleWeights = null) =>
        new Trainer(model) { GradientStep = step }.Fit(new TensorBatchSource(x, y), new FitOptions
        {
            Epochs = epochs, BatchSize = 10, Verbose = 0, Seed = 5, Callbacks = callbacks ?? [], Resume = resume, SampleWeights = sampleWeights,
            Validation = validation is var (vx, vy) ? new TensorBatchSource(vx, vy) : null,
        });

    private static void AssertSameBits(History expected, Sequential expectedModel, History actual, Sequential actualModel)
    {
        Assert.Equal(expected.Values.Keys.Order(), actual.Values.Keys.Order());
        foreach (string key in expected.Values.Keys) Assert.Equal(expected[key], actual[key]);
        Assert.Equal(expectedModel.GetWeights(), actualModel.GetWeights());
    }

    [Theory]
    [InlineData(10, 3, new[] { 4, 3, 3 })]
    [InlineData(7, 7, new[] { 1, 1, 1, 1, 1, 1, 1 })]
    [InlineData(2, 4, new[] { 1, 1, 0, 0 })]
    [InlineData(32, 1, new[] { 32 })]
    public void Shards_are_contiguous_rows_as_equal_as_possible(int batch, int shards, int[] sizes)
    {
        int next = 0;
        for (int s = 0; s < shards; s++)
        {
            var (start, count) = ShardedGradient.ShardRange(batch, shards, s);
            Assert.Equal((next, sizes[s]), (start, count));
            next += count;
        }
        Assert.Equal(batch, next);
    }

    [Fact]
    public void One_shard_is_the_whole_batch_bit_for_bit()
    {
        // Without dropout: one shard keys its masks by (epoch, step, shard), the whole batch draws from a running stream.
        var (x, y) = Data(37, 1);
        var whole = Mixed(dropout: false);
        var expected = Train(whole, new WholeBatchGradient(), x, y);
        var sharded = Mixed(dropout: false);
        var actual = Train(sharded, new ShardedGradient(1), x, y);
        AssertSameBits(expected, whole, actual, sharded);
    }

    [Fact]
    public void Three_shards_give_the_whole_batch_gradient_within_rounding()
    {
        var (x, y) = Data(10, 2);
        var whole = Mixed(dropout: false);
        float expectedLoss = whole.ComputeGradients(x, y);
        var sharded = Mixed(dropout: false);
        var metrics = new[] { new Tailor.Metrics.Accuracy() };
        float loss = new ShardedGradient(3).Compute(sharded, x, y, default, metrics);

        Assert.Equal(expectedLoss, loss, 1e-5f);
        Assert.Equal(10, metrics[0].State[1]);  // every row judged once
        for (int i = 0; i < whole.Parameters.Count; i++)
        {
            var (a, b) = (whole.Parameters[i].Gradient.Span.ToArray(), sharded.Parameters[i].Gradient.Span.ToArray());
            Assert.NotEqual(0, a.Max(Math.Abs));
            for (int j = 0; j < a.Length; j++) Assert.True(Math.Abs(a[j] - b[j]) <= 1e-5 * Math.Max(1, Math.Abs(a[j])), $"{whole.Parameters[i].Name}[{j}]: {a[j]} whole, {b[j]} in 3 shards");
        }
    }

    [Fact]
    public void The_order_in_which_shards_are_computed_does_not_change_a_bit()
    {
        var (x, y) = Data(37, 3);
        foreach (var create in new Func<Sequential>[] { () => Mixed(), Normalized })
        {
            var forward = create();
            var expected = Train(forward, new ShardedGradient(3), x, y);
            var reversed = create();
            var actual = Train(reversed, new ShardedGradient(3) { Reverse = true }, x, y);
            AssertSameBits(expected, forward, actual, reversed);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Workers_sharing_the_shards_all_end_with_the_bits_of_one_process(int workers)
    {
        // 4 shards of batches of 10 (the last batch of 37 has 7 rows); 5 workers leave one idle. Validation runs in
        // batches of 256: 600 rows make 3, shared by the workers.
        var (x, y) = Data(37, 4);
        var validation = Data(600, 8);
        foreach (var create in new Func<Sequential>[] { () => Mixed(), Normalized })
        {
            var alone = create();
            var expected = Train(alone, new ShardedGradient(4), x, y, validation: validation);
            Assert.Contains("val_accuracy", expected.Values.Keys);
            var group = new InProcessGroup(workers);
            var models = Enumerable.Range(0, workers).Select(_ => create()).ToArray();
            var histories = new History[workers];
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers },
                r => histories[r] = Train(models[r], new ShardedGradient(4, group.Member(r)), x, y, validation: validation));
            for (int r = 0; r < workers; r++) AssertSameBits(expected, alone, histories[r], models[r]);
        }
    }

    [Fact]
    public void Threads_computing_shards_on_replicas_give_the_bits_of_one_thread()
    {
        var (x, y) = Data(37, 4);
        var validation = Data(300, 8);
        float[] weights = [.. Enumerable.Range(0, 37).Select(i => 0.5f + i % 3)];
        int saved = Tailor.Threading.WorkerPool.Threads;
        try
        {
            foreach (var create in new Func<Sequential>[] { () => Mixed(), Normalized })
            {
                Tailor.Threading.WorkerPool.Threads = 1;
                var alone = create();
                var expected = Train(alone, new ShardedGradient(4), x, y, validation: validation, sampleWeights: weights);
                Tailor.Threading.WorkerPool.Threads = 2;
                int built = 0;
                var model = create();
                var actual = Train(model, new ShardedGradient(4, replicas: () => { built++; return create(); }), x, y, validation: validation, sampleWeights: weights);
                Assert.Equal(1, built);
                AssertSameBits(expected, alone, actual, model);
            }
        }
        finally { Tailor.Threading.WorkerPool.Threads = saved; }
    }

    [Theory]
    [InlineData(2, 2)] // one shard per thread: every shard's gradients read where they were computed
    [InlineData(3, 2)] // worker 0 takes two shards, worker 1 one
    [InlineData(5, 3)]
    [InlineData(2, 1)]
    public void Any_shard_and_thread_count_gives_the_bits_of_one_thread(int shards, int threads)
    {
        var (x, y) = Data(37, 4);
        var validation = Data(50, 8);
        int saved = Tailor.Threading.WorkerPool.Threads;
        try
        {
            foreach (var create in new Func<Sequential>[] { () => Mixed(), Normalized })
            {
                Tailor.Threading.WorkerPool.Threads = 1;
                var alone = create();
                var expected = Train(alone, new ShardedGradient(shards), x, y, validation: validation);
                Tailor.Threading.WorkerPool.Threads = threads;
                var model = create();
                var actual = Train(model, new ShardedGradient(shards, replicas: create), x, y, validation: validation);
                AssertSameBits(expected, alone, actual, model);
                // Exchanged as double records over a transport, the same sums.
                var group = new InProcessGroup(1);
                var exchanged = create();
                AssertSameBits(expected, alone, Train(exchanged, new ShardedGradient(shards, group.Member(0)), x, y, validation: validation), exchanged);
            }
        }
        finally { Tailor.Threading.WorkerPool.Threads = saved; }
    }

    [Fact]
    public void Replicas_of_a_model_with_a_shared_layer_copy_the_weights_and_give_the_bits_of_one_thread()
    {
        static Model Residual()
        {
            var input = new Input([6]);
            var shared = new Dense(6, Activation.Tanh);
            var block = new Tailor.Layers.Merging.Add().Call(input, shared.Call(shared.Call(input)));
            var model = new Model(input, new Dense(3, Activation.Softmax).Call(block), seed: 4);
            model.Compile("adam", "categorical_crossentropy", "accuracy");
            return model;
        }
        var rng = new Tailor.Common.Rng(5);
        var x = new Tensor(Tailor.Tests.Reference.RandomData.Uniform(rng, 40 * 6), 40, 6);
        var y = new Tensor([.. Enumerable.Range(0, 40 * 3).Select(i => i % 3 == i / 3 % 3 ? 1f : 0f)], 40, 3);
        int saved = Tailor.Threading.WorkerPool.Threads;
        try
        {
            Tailor.Threading.WorkerPool.Threads = 1;
            var alone = Residual();
            new Trainer(alone) { GradientStep = new ShardedGradient(2) }.Fit(new TensorBatchSource(x, y), new FitOptions { Epochs = 2, BatchSize = 8, Seed = 6, Verbose = 0 });
            Tailor.Threading.WorkerPool.Threads = 2;
            var model = Residual();
            new Trainer(model) { GradientStep = new ShardedGradient(2, replicas: Residual) }.Fit(new TensorBatchSource(x, y), new FitOptions { Epochs = 2, BatchSize = 8, Seed = 6, Verbose = 0 });
            Assert.Equal(alone.GetWeights(), model.GetWeights());
        }
        finally { Tailor.Threading.WorkerPool.Threads = saved; }
    }

    [Fact]
    public void A_replica_of_another_architecture_is_refused()
    {
        var (x, y) = Data(20, 4);
        int saved = Tailor.Threading.WorkerPool.Threads;
        try
        {
            Tailor.Threading.WorkerPool.Threads = 2;
            var error = Assert.Throws<ArgumentException>(() => Train(Mixed(), new ShardedGradient(2, replicas: Normalized), x, y));
            Assert.Contains("same architecture", error.Message);
        }
        finally { Tailor.Threading.WorkerPool.Threads = saved; }
    }

    [Fact]
    public void Dropout_masks_are_keyed_by_epoch_step_and_shard()
    {
        var (x, _) = Data(6, 5);
        var model = new Sequential([new Flatten(), new Dropout(0.5f)], seed: 1);
        model.Build(x.Shape[1..].ToArray());
        var dropout = (Dropout)model.Layers[1];
        dropout.SetTrainingRng(new Tailor.Common.Rng(9));
        var flat = model.Layers[0].Forward(x, training: false);

        float[] Mask(int epoch, int step, int shard)
        {
            dropout.KeyTrainingDraws(epoch, step, shard);
            var mask = dropout.Forward(flat, training: true).Span.ToArray();
            dropout.UnkeyTrainingDraws();
            return mask;
        }

        var first = Mask(1, 2, 3);
        var otherShard = Mask(1, 2, 4);
        Assert.Equal(first, Mask(1, 2, 3));  // keyed draws do not advance the layer's stream
        Assert.NotEqual(first, otherShard);
        Assert.NotEqual(first, Mask(1, 3, 3));
        Assert.NotEqual(first, Mask(2, 2, 3));
    }

    [Fact]
    public void A_sharded_run_resumed_mid_epoch_gives_the_bits_of_an_uninterrupted_one()
    {
        var (x, y) = Data(37, 6);
        foreach (var create in new Func<Sequential>[] { () => Mixed(), Normalized })
        {
            var reference = create();
            var expected = Train(reference, new ShardedGradient(3), x, y, epochs: 3);
            var model = create();
            Train(model, new ShardedGradient(3), x, y, epochs: 3, callbacks: [new InterruptAt(1, 1)]);
            var state = model.Interruption!;
            Assert.True(state.IsMidEpoch);
            var actual = Train(model, new ShardedGradient(3), x, y, epochs: 3, resume: state);
            AssertSameBits(expected, reference, actual, model);
        }
    }

    [Fact]
    public void Fit_takes_shards_from_one_to_the_batch_size()
    {
        var (x, y) = Data(12, 7);
        var viaFit = Mixed();
        var expected = viaFit.Fit(x, y, epochs: 1, batchSize: 10, verbose: 0, seed: 5, shards: 3);
        var model = Mixed();
        var actual = Train(model, new ShardedGradient(3), x, y, epochs: 1);
        AssertSameBits(expected, viaFit, actual, model);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Mixed().Fit(x, y, batchSize: 4, verbose: 0, shards: 5));
        Assert.Contains("shards=5", error.Message);
        Assert.Contains("batch_size=4", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardedGradient(0));
    }
}
