using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Layers.Pooling;
using Tailor.Models;
using Tailor.Tensors;
using Tailor.Tests.Kernels;
using Tailor.Threading;

namespace Tailor.Tests.Models;

/// <summary>
/// Predict and Evaluate run a convolution (one-channel, or with its patches read in place) and the max pooling that
/// alone reads it as one, each image or group of images pooled while in cache: the bits of the two layers run one after the other (GetActivations, which keeps every
/// layer's output, still runs them apart), on one thread and two, at every batch size.
/// </summary>
[Collection(GlobalSwitches.Name)]
public sealed class PooledInferenceTests
{
    private static Tensor Images(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[count * 784];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextFloat() < 0.6f ? 0f : rng.NextFloat();
        return new Tensor(x, count, 28, 28, 1);
    }

    private static int[] Bits(Tensor t) => [.. t.Span.ToArray().Select(BitConverter.SingleToInt32Bits)];

    [SkippableTheory]
    [InlineData(NotebookModel.Cnn)]
    [InlineData(NotebookModel.CnnDropout)]
    public void The_notebook_cnns_predict_the_bits_of_their_layers_run_apart(NotebookModel kind)
    {
        Skip.IfNot(KernelIsa.Active == Isa.Avx512, $"The one-channel convolution that pools its own images needs AVX-512; the active path is {KernelIsa.Active}.");
        var model = NotebookModels.Create(kind, seed: 5);
        model.Compile("adam", "categorical_crossentropy", "accuracy");
        var x = Images(71, 9);
        model.Build(28, 28, 1);
        // Both convolutions run as one with their pooling: the first on one channel, the second from its patches in place.
        Assert.True(model.PoolsNext[0]);
        Assert.True(model.PoolsNext[2]);
        Assert.True(model.Layers[0] is Conv2D { CanForwardPooled: true });
        Assert.True(model.Layers[2] is Conv2D { CanForwardPooled: true });
        int saved = WorkerPool.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                WorkerPool.Threads = threads;
                var apart = model.GetActivations(x)[^1].Output;
                foreach (int batch in new[] { 1, 7, 64, 71 })
                    Assert.Equal(Bits(apart), Bits(model.Predict(x, batchSize: batch)));
            }
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Fact]
    public void A_convolution_that_another_call_also_reads_is_not_pooled_in_place()
    {
        var input = new Input([28, 28, 1]);
        var features = new Conv2D(32, 3, activation: Activation.Relu).Call(input);
        var pooled = new MaxPooling2D(2).Call(features);
        var branch = new MaxPooling2D(2, strides: 2).Call(features);
        var merged = new Add().Call(pooled, branch);
        var output = new Dense(10, Activation.Softmax).Call(new Flatten().Call(merged));
        var model = new Model(input, output, seed: 2);
        var x = Images(9, 4);

        var predicted = model.Predict(x, batchSize: 4);

        Assert.DoesNotContain(true, model.PoolsNext);
        Assert.Equal(Bits(model.GetActivations(x)[^1].Output), Bits(predicted));
    }

    [Fact]
    public void Convolutions_that_read_their_patches_in_place_pool_to_the_bits_of_their_layers_run_apart_on_every_path()
    {
        // Three channels, odd sizes and a linear activation; pooling windows that overlap and one that leaves a column.
        var model = new Sequential(
        [
            new Conv2D(5, 3, activation: Activation.Relu),
            new MaxPooling2D(2, strides: 1),
            new Conv2D(40, (2, 3), activation: Activation.Linear),
            new MaxPooling2D(2),
            new Flatten(),
            new Dense(4, Activation.Softmax),
        ], seed: 3);
        model.Build(11, 13, 3);
        Assert.True(model.PoolsNext[0] && model.PoolsNext[2]);
        var rng = new Rng(8);
        var data = new float[70 * 11 * 13 * 3];
        for (int i = 0; i < data.Length; i++) data[i] = rng.NextFloat() - 0.5f;
        var x = new Tensor(data, 70, 11, 13, 3);
        var saved = (KernelIsa.Active, WorkerPool.Threads);
        try
        {
            foreach (var isa in GemmSweep.SupportedIsas())
            foreach (int threads in new[] { 1, 2 })
            {
                (KernelIsa.Active, WorkerPool.Threads) = (isa, threads);
                var apart = Bits(model.GetActivations(x)[^1].Output);
                foreach (int batch in new[] { 1, 5, 64, 70 })
                    Assert.True(apart.AsSpan().SequenceEqual(Bits(model.Predict(x, batchSize: batch))), $"{isa}, {threads} thread(s), batch {batch}");
            }
        }
        finally { (KernelIsa.Active, WorkerPool.Threads) = saved; }
    }

    [SkippableFact]
    public void A_training_step_pools_the_first_convolution_in_cache_and_routes_its_gradient_to_the_bits_of_the_layers_run_apart()
    {
        Skip.IfNot(KernelIsa.Active == Isa.Avx512, $"The one-channel convolution's kernels need AVX-512; the active path is {KernelIsa.Active}.");
        var model = NotebookModels.Create(NotebookModel.Cnn, seed: 4);
        model.Build(28, 28, 1);
        var x = Images(37, 2);
        var rng = new Rng(6);
        var upstream = new Tensor(Reference.RandomData.Uniform(rng, 37 * 10), 37, 10);
        int saved = WorkerPool.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                WorkerPool.Threads = threads;
                model.ForwardAll(x, training: true);
                model.RunBackward(upstream);
                var routed = model.Layers.SelectMany(l => l.Parameters).Select(p => Bits(p.Gradient)).ToList();

                var output = model.Layers.Aggregate(x, (t, layer) => layer.Forward(t, training: true));
                Assert.Equal(Bits(model.ForwardAll(x, training: true)), Bits(output));
                output = model.Layers.Aggregate(x, (t, layer) => layer.Forward(t, training: true));
                Tensor? gradient = upstream;
                for (int i = model.Layers.Count - 1; i >= 0 && gradient != null; i--) gradient = model.Layers[i].Backward(gradient);
                var apart = model.Layers.SelectMany(l => l.Parameters).Select(p => Bits(p.Gradient)).ToList();

                Assert.Equal(apart.Count, routed.Count);
                for (int i = 0; i < apart.Count; i++) Assert.Equal(apart[i], routed[i]);
                Assert.Contains(routed[0], bits => bits != 0);
            }
        }
        finally { WorkerPool.Threads = saved; }
    }
}
