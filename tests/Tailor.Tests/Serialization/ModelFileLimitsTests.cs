using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Models;
using Tailor.Serialization;
using Tailor.Tests.Data;
using static Tailor.Tests.Cli.HostileModelFiles;

namespace Tailor.Tests.Serialization;

/// <summary>
/// The numbers of a model file are held to the layers' own ranges and to budgets checked before anything
/// is allocated; its weights must be finite; and a model says plainly when its outputs are not class probabilities.
/// </summary>
public sealed class ModelFileLimitsTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_layers_constructors_and_the_loader_share_one_range_of_sizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(65_537));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPooling2D((65_537, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AveragePooling1D(2, strides: 65_537));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv1D(4, 3, dilationRate: 65_537));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2D(4, (3, 70_000)));
        // A window spanning two billion steps: its padding is computed in 64 bits.
        Assert.Equal([100, 4], new Conv1D(4, 32_768, padding: Padding.Same, dilationRate: 65_536).ComputeOutputShape([100, 1]));

        string path = Write(_folder.File("conv.safetensors"), [28, 28, 1], [Layer("Conv2D", new { name = "c", filters = 2, kernel_size = new[] { 3, 70_000 } })]);
        var e = Assert.Throws<ModelFormatException>(() => Sequential.Load(path));
        Assert.Contains("Conv2D 'c': expected 'kernel_size' to be 1 to 65536", e.Message);
    }

    [Fact]
    public void Weights_the_file_does_not_hold_are_refused_before_they_are_allocated()
    {
        // 2^31 - 32,768 weights asked for by a file of a few hundred bytes.
        string path = Write(_folder.File("dense.safetensors"), [32_768], [Layer("Dense", new { name = "d", units = 65_535 })]);
        long before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<ModelFormatException>(() => Sequential.Load(path));

        Assert.Contains("would create 2147450880 parameter values", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "the loader allocated the weights before checking them");
    }

    [Fact]
    public void A_thousand_layers_load_and_one_more_is_refused()
    {
        var model = Sequential.Load(Write(_folder.File("most.safetensors"), [10], ActivationLayers(ModelFile.MaxLayers)));
        Assert.Equal(1_000, model.Layers.Count);
        Assert.Null(model.WhyNotClassProbabilities(10));

        string path = Write(_folder.File("more.safetensors"), [10], ActivationLayers(ModelFile.MaxLayers + 1));
        Assert.Contains("1,001 layers; a model file may have at most 1,000", Assert.Throws<ModelFormatException>(() => Sequential.Load(path)).Message);
    }

    [Fact]
    public void A_non_finite_optimizer_slot_is_refused_like_a_non_finite_weight()
    {
        var model = new Sequential([new Dense(3, Activation.Softmax)]);
        model.Compile("adam", "categorical_crossentropy", "accuracy");
        model.Fit(new Tailor.Tensors.Tensor(4, 2), new Tailor.Tensors.Tensor(4, 3), epochs: 1, batchSize: 4, verbose: 0);
        model.Optimizer!.Slots[0][1][2] = float.NegativeInfinity;
        string path = _folder.File("slots.safetensors");
        model.Save(path);

        var e = Assert.Throws<ModelFormatException>(() => Sequential.Load(path));
        Assert.Contains("optimizer slot tensor 'optimizer/dense/kernel/1' holds -Infinity at index 2", e.Message);
    }

    [Fact]
    public void A_model_says_plainly_whether_its_outputs_are_probabilities_over_the_classes()
    {
        Sequential Built(params Tailor.Layers.Layer[] layers)
        {
            var model = new Sequential(layers);
            model.Build(6);
            return model;
        }

        Assert.Null(Built(new Dense(10), new ActivationLayer(Activation.Softmax)).WhyNotClassProbabilities(10));
        Assert.Null(Built(new Dense(10, Activation.Softmax), new Dropout(0.5f)).WhyNotClassProbabilities(10));
        Assert.Contains("Dense 'dense', has a linear activation rather than softmax", Built(new Dense(10)).WhyNotClassProbabilities(10));
        Assert.Contains("Flatten 'flatten', has no activation", Built(new Dense(10, Activation.Softmax), new Flatten()).WhyNotClassProbabilities(10));
        Assert.Contains("(None, 20), not one value for each of the 10 classes", Built(new Dense(20, Activation.Softmax)).WhyNotClassProbabilities(10));
    }

    [Fact]
    public void Fit_with_a_batch_larger_than_any_training_set_takes_it_in_one_step()
    {
        var model = new Sequential([new Dense(3, Activation.Softmax)]);
        model.Compile("sgd", "categorical_crossentropy", "accuracy");
        var y = new Tailor.Tensors.Tensor(5, 3);
        for (int i = 0; i < 5; i++) y[i, i % 3] = 1;

        var history = model.Fit(new Tailor.Tensors.Tensor(5, 2), y, epochs: 1, batchSize: int.MaxValue, verbose: 0);

        Assert.Equal(1, model.Optimizer!.Iterations);
        Assert.True(double.IsFinite(history["loss"][0]), $"loss {history["loss"][0]}");
    }
}
