using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Regularizers;
using Tailor.Serialization;
using Tailor.Studies;
using Tailor.Tests.Data;

namespace Tailor.Tests.Serialization;

public sealed class ModelFileTests
{
    [Theory]
    [InlineData(NotebookModel.Dense)]
    [InlineData(NotebookModel.Cnn)]
    [InlineData(NotebookModel.CnnDropout)]
    public void Save_then_load_predicts_the_same_bits_on_the_2500_test_images(NotebookModel which)
    {
        var sample = VendoredSample.Notebook;
        var model = Tailor.Models.NotebookModels.Create(which, seed: 4);
        model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
        var train = sample.Train.Images.Slice(0, 256);
        model.Fit(which == NotebookModel.Dense ? train.Reshape(256, 784) : train, sample.Train.OneHot.Slice(0, 256), epochs: 1, batchSize: 64, verbose: 0);
        using var folder = new TempDirectory();
        string path = folder.File("model.safetensors");

        model.Save(path);
        var loaded = Sequential.Load(path);

        var x = TrainingRun.Inputs(sample.Test, model);
        Assert.Equal(2500, x.Dim(0));
        var expected = model.Predict(x).Span.ToArray();
        var actual = loaded.Predict(x).Span.ToArray();
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(model.Summary(), loaded.Summary());
        Assert.Equal(ModelFile.ArchitectureJson(model), ModelFile.ArchitectureJson(loaded));
    }

    [Fact]
    public void Loaded_optimizer_state_continues_training_exactly_as_the_original()
    {
        var (x, y) = SyntheticImages(40, seed: 2);
        // Without dropout: its masks come from the training stream, which checkpoints (not model files) keep.
        var original = MixedModel(dropout: false);
        original.Compile(new Adam(0.01f), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        original.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, seed: 9);
        using var folder = new TempDirectory();
        original.Save(folder.File("m.safetensors"));

        var loaded = Sequential.Load(folder.File("m.safetensors"));
        Assert.IsType<Adam>(loaded.Optimizer);
        Assert.Equal(original.Optimizer!.Iterations, loaded.Optimizer!.Iterations);
        float a = original.TrainOnBatch(x, y), b = loaded.TrainOnBatch(x, y);

        Assert.Equal(a, b);
        for (int i = 0; i < original.Parameters.Count; i++)
            Assert.Equal(original.Parameters[i].Value.Span.ToArray(), loaded.Parameters[i].Value.Span.ToArray());
    }

    [Fact]
    public void Every_registered_layer_round_trips_its_config()
    {
        var model = MixedModel();
        model.Build(12, 10, 2);
        using var folder = new TempDirectory();
        model.Save(folder.File("m.safetensors"));

        var loaded = Sequential.Load(folder.File("m.safetensors"));

        Assert.Equal(model.Layers.Select(l => l.TypeName), loaded.Layers.Select(l => l.TypeName));
        foreach (var (a, b) in model.Layers.Zip(loaded.Layers))
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(a.GetConfig()), System.Text.Json.JsonSerializer.Serialize(b.GetConfig()));
        Assert.Null(loaded.Optimizer);
        Assert.Equal(LayerRegistry.ClassNames.Order(), model.Layers.Select(l => l.TypeName).Distinct().Order());
    }

    [Fact]
    public void The_file_is_plain_safetensors_with_keras_layouts_and_named_tensors()
    {
        var model = Tailor.Models.NotebookModels.Create(NotebookModel.Cnn, seed: 1);
        using var folder = new TempDirectory();
        model.Save(folder.File("m.safetensors"));

        var content = SafeTensors.Read(folder.File("m.safetensors"));

        Assert.Equal([3, 3, 1, 32], content.Tensors["conv2d/kernel"].Shape);
        Assert.Equal([576, 64], content.Tensors["dense/kernel"].Shape);
        Assert.Equal(model.Layers[0].Parameters[0].Value.Span.ToArray(), content.Tensors["conv2d/kernel"].Data);
        Assert.Equal(ModelFile.Format, content.Metadata[ModelFile.FormatKey]);
        Assert.Equal("1", content.Metadata[ModelFile.VersionKey]);
        long header = BitConverter.ToInt64(File.ReadAllBytes(folder.File("m.safetensors")), 0);
        Assert.Equal(0, header % 8);
    }

    /// <summary>One layer of every registered type, with non-default settings, so that every config key is exercised.</summary>
    internal static Sequential MixedModel(bool dropout = true) => new(
    new Tailor.Layers.Layer[]
    {
        new Conv2D(4, (3, 2), (2, 1), Padding.Same, Activation.Gelu, kernelRegularizer: Regularizer.L2Penalty(0.001f), name: "c1"),
        new MaxPooling2D((2, 2), (1, 1), Padding.Same),
        new Conv2D(3, 2, activation: Activation.Tanh, useBias: false),
        new AveragePooling2D(2, 1, Padding.Valid),
        new ActivationLayer(Activation.Elu),
        new Flatten(),
        new Dropout(0.25f, seed: 7),
        new Dense(6, Activation.LeakyRelu, biasRegularizer: Regularizer.L1L2(0.01f, 0.02f)),
        new Dropout(0.1f),
        new Dense(3, Activation.Softmax, kernelInitializer: Tailor.Initializers.Initializer.HeNormal),
    }.Where(l => dropout || l is not Dropout), seed: 3);

    internal static (Tailor.Tensors.Tensor X, Tailor.Tensors.Tensor Y) SyntheticImages(int count, ulong seed)
    {
        var rng = new Tailor.Common.Rng(seed);
        var x = new Tailor.Tensors.Tensor(count, 12, 10, 2);
        var y = new Tailor.Tensors.Tensor(count, 3);
        for (int i = 0; i < x.Length; i++) x.Span[i] = rng.NextFloat();
        for (int i = 0; i < count; i++) y.Span[i * 3 + rng.NextInt(3)] = 1;
        return (x, y);
    }
}
