using Tailor.Augmentation;
using Tailor.Common;
using Tailor.Layers.Merging;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Serialization;
using Tailor.Tensors;
using Tailor.Tests.Data;
using Tailor.Tests.Reference;
using Tailor.Threading;

namespace Tailor.Tests.Models;

/// <summary>
/// The pre-activation ResNet of `tailor train --model resnet`: its shapes and parameters, and its training with
/// Nesterov SGD, smoothed labels and padded crops the same bits on one thread and on two, and after a save and load.
/// </summary>
[Collection(Kernels.GlobalSwitches.Name)]
public sealed class ResidualNetworkTests
{
    private const int Images = 48;

    private static (Tensor X, Tensor Y) Data()
    {
        var rng = new Rng(5);
        var x = new Tensor(RandomData.Uniform(rng, Images * 28 * 28, 0, 1), Images, 28, 28, 1);
        var y = new Tensor(Images, 10);
        for (int i = 0; i < Images; i++) y.Span[i * 10 + rng.NextInt(10)] = 1;
        return (x, y);
    }

    private static Model Compiled(ulong seed = 3)
    {
        var model = NotebookModels.CreateModel(NotebookModel.ResNet, seed);
        model.Compile(new Sgd(0.05f, 0.9f, nesterov: true), new CategoricalCrossentropy(labelSmoothing: 0.1f), "accuracy");
        return model;
    }

    private static History Fit(Model model, (Tensor X, Tensor Y) data, int epochs, int initialEpoch = 0) =>
        model.Fit(data.X, data.Y, epochs: epochs, batchSize: 16, seed: 4, verbose: 0, initialEpoch: initialEpoch,
            augmentation: AugmentationPipeline.Parse("shift:4,erase:0.5"));

    [Fact]
    public void Three_stages_of_pre_activation_blocks_halve_the_image_twice_and_hold_78042_parameters()
    {
        var model = NotebookModels.CreateModel(NotebookModel.ResNet, seed: 1);
        var adds = model.Layers.OfType<Add>().Select(a => a.OutputShape.ToArray()).ToList();
        Assert.Equal([[28, 28, 16], [14, 14, 32], [7, 7, 64]], adds);
        Assert.Equal([10], Assert.Single(model.OutputShapes));
        // Convolutions without bias: stem 9x1x16; stage 1: 2 x 9x16x16; stage 2: 1x1 16x32, 9x16x32, 9x32x32; stage 3: 1x1 32x64,
        // 9x32x64, 9x64x64; 7 BatchNormalizations of 4 x (16, 16, 16, 32, 32, 64, 64) values, 480 of them moving statistics; Dense 64x10 + 10.
        long convolutions = 144 + 2 * 2_304 + 512 + 4_608 + 9_216 + 2_048 + 18_432 + 36_864;
        long normalization = 4 * (16 + 16 + 16 + 32 + 32 + 64 + 64);
        Assert.Equal(convolutions + normalization + 650, model.ParameterCount);
        Assert.Equal(78_042, model.ParameterCount);
        Assert.Null(model.WhyNotClassProbabilities(10));
        Assert.Equal(NotebookModels.CreateModel(NotebookModel.ResNet, seed: 1).GetWeights(), model.GetWeights());
        Assert.NotEqual(NotebookModels.CreateModel(NotebookModel.ResNet, seed: 2).GetWeights(), model.GetWeights());
    }

    [Fact]
    public void The_sequential_factory_refuses_it_naming_the_one_that_builds_it()
    {
        var e = Assert.Throws<ArgumentException>(() => NotebookModels.Create(NotebookModel.ResNet));
        Assert.Contains("create it with NotebookModels.CreateModel", e.Message);
        Assert.Contains("An image shape is (height, width, channels)", Assert.Throws<ArgumentException>(() => ResidualNetwork.Create([28, 28], 10)).Message);
        Assert.Contains("at least 2 classes, received 1", Assert.Throws<ArgumentOutOfRangeException>(() => ResidualNetwork.Create([28, 28, 1], 1)).Message);
    }

    [Fact]
    public void Training_gives_the_same_bits_on_one_thread_and_on_two()
    {
        int saved = WorkerPool.Threads;
        try
        {
            var data = Data();
            WorkerPool.Threads = 1;
            var one = Compiled();
            var oneHistory = Fit(one, data, epochs: 2);
            WorkerPool.Threads = 2;
            var two = Compiled();
            var twoHistory = Fit(two, data, epochs: 2);
            Assert.Equal(one.GetWeights(), two.GetWeights());
            Assert.Equal(oneHistory["loss"], twoHistory["loss"]);
        }
        finally { WorkerPool.Threads = saved; }
    }

    [Fact]
    public void Saved_and_loaded_it_predicts_and_trains_on_as_the_model_it_was()
    {
        using var temp = new TempDirectory();
        var data = Data();
        var model = Compiled();
        Fit(model, data, epochs: 1);
        string path = temp.File("resnet.safetensors");
        model.Save(path);
        var loaded = Model.Load(path);

        Assert.Equal(model.GetWeights(), loaded.GetWeights());
        Assert.Equal(model.Predict(data.X).Span.ToArray(), loaded.Predict(data.X).Span.ToArray());
        Assert.Equal(model.Summary(), loaded.Summary());
        var sgd = Assert.IsType<Sgd>(loaded.Optimizer);
        Assert.Equal((0.9f, true), (sgd.Momentum, sgd.Nesterov));
        Assert.Equal(0.1f, Assert.IsType<CategoricalCrossentropy>(loaded.Loss).LabelSmoothing);

        // The momenta and the step count travel with the file, so a second epoch continues the same run.
        Fit(model, data, epochs: 2, initialEpoch: 1);
        Fit(loaded, data, epochs: 2, initialEpoch: 1);
        Assert.Equal(model.GetWeights(), loaded.GetWeights());
    }
}
