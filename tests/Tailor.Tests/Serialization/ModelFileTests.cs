using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Normalization;
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
    [InlineData(NotebookModel.Conv1D)]
    [InlineData(NotebookModel.CnnBatchNorm)]
    [InlineData(NotebookModel.Vgg)]
    public void Save_then_load_predicts_the_same_bits_on_the_2500_test_images(NotebookModel which)
    {
        var sample = VendoredSample.Notebook;
        var model = NotebookModels.Create(which, seed: 4);
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

    [Theory]
    [InlineData("normalized-images")]
    [InlineData("sequences")]
    public void Batch_normalization_statistics_and_optimizer_state_round_trip_and_training_continues_identically(string which)
    {
        var (x, y) = SyntheticImages(40, seed: 2);
        var original = which == "sequences" ? SequenceModel() : NormalizedImageModel();
        original.Compile(new Adam(0.01f), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        original.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, seed: 9);
        var norm = original.Layers.OfType<BatchNormalization>().First();
        Assert.Contains(norm.MovingMean.Value.Span.ToArray(), v => v != 0);
        Assert.Contains(norm.MovingVariance.Value.Span.ToArray(), v => v != 1);
        using var folder = new TempDirectory();
        string path = folder.File("m.safetensors");
        original.Save(path);

        var content = SafeTensors.Read(path);
        Assert.Equal(norm.MovingMean.Value.Span.ToArray(), content.Tensors[$"{norm.Name}/moving_mean"].Data);
        Assert.Equal(norm.MovingVariance.Value.Span.ToArray(), content.Tensors[$"{norm.Name}/moving_variance"].Data);
        Assert.DoesNotContain(content.Tensors.Keys, k => k.StartsWith("optimizer/", StringComparison.Ordinal) && k.Contains("/moving_"));
        Assert.Equal(2 * original.Parameters.Count(p => p.Trainable), content.Tensors.Keys.Count(k => k.StartsWith("optimizer/", StringComparison.Ordinal)));

        var loaded = Sequential.Load(path);
        Assert.Equal(Bits(original.Predict(x)), Bits(loaded.Predict(x)));
        Assert.Equal(original.Optimizer!.Iterations, loaded.Optimizer!.Iterations);
        for (int i = 0; i < original.Parameters.Count; i++)
            for (int s = 0; s < 2; s++)
                Assert.Equal(original.Optimizer.Slots[i][s], loaded.Optimizer.Slots[i][s]);

        for (int step = 0; step < 3; step++)
            Assert.Equal(BitConverter.SingleToInt32Bits(original.TrainOnBatch(x, y)), BitConverter.SingleToInt32Bits(loaded.TrainOnBatch(x, y)));
        for (int i = 0; i < original.Parameters.Count; i++)
            Assert.Equal(Bits(original.Parameters[i].Value), Bits(loaded.Parameters[i].Value));
        Assert.Equal(Bits(original.Predict(x)), Bits(loaded.Predict(x)));
    }

    [Fact]
    public void Every_registered_layer_round_trips_its_config()
    {
        Sequential[] models = [MixedModel(), NormalizedImageModel(), NormalizedImageModel(globalMax: true), SequenceModel(), SequenceModel(globalMax: true), NotebookModels.Create(NotebookModel.Conv1D)];
        using var folder = new TempDirectory();
        foreach (var model in models)
        {
            if (!model.IsBuilt) model.Build(12, 10, 2);
            model.Save(folder.File("m.safetensors"));

            var loaded = Sequential.Load(folder.File("m.safetensors"));

            Assert.Equal(model.Layers.Select(l => l.TypeName), loaded.Layers.Select(l => l.TypeName));
            foreach (var (a, b) in model.Layers.Zip(loaded.Layers))
                Assert.Equal(System.Text.Json.JsonSerializer.Serialize(a.GetConfig()), System.Text.Json.JsonSerializer.Serialize(b.GetConfig()));
            Assert.Null(loaded.Optimizer);
        }
        // The merge layers cannot be in a Sequential model: FunctionalModelFileTests saves each of them.
        var libraryLayers = typeof(Layer).Assembly.GetExportedTypes().Where(t => t.IsSubclassOf(typeof(Layer)) && !t.IsAbstract && !t.IsSubclassOf(typeof(MultiInputLayer))).Select(Layer.TypeNameOf);
        Assert.Equal(libraryLayers.Order(), models.SelectMany(m => m.Layers).Select(l => l.TypeName).Distinct().Order());
    }

    [Fact]
    public void Keras_style_configs_of_the_new_layers_load_with_their_defaults()
    {
        const string architecture = """
            {"class_name": "Sequential", "config": {"name": "keras", "input_shape": [8, 3], "layers": [
              {"class_name": "Conv1D", "config": {"name": "c", "filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}},
              {"class_name": "BatchNormalization", "config": {"name": "bn"}},
              {"class_name": "MaxPooling1D", "config": {"name": "p", "pool_size": [2]}},
              {"class_name": "Reshape", "config": {"name": "r", "target_shape": [-1, 2]}},
              {"class_name": "GlobalAveragePooling1D", "config": {"name": "g", "data_format": "channels_last", "keepdims": false}}]}}
            """;
        using var folder = new TempDirectory();
        string path = folder.File("keras.safetensors");
        WriteArchitectureOnly(path, architecture);

        var error = Assert.Throws<ModelFormatException>(() => Sequential.Load(path));

        // Parsed and built: only the weights are missing.
        Assert.Contains("weight tensor 'c/kernel' of shape (3, 3, 4) is missing", error.Message);
        var keepdims = architecture.Replace("\"keepdims\": false", "\"keepdims\": true");
        WriteArchitectureOnly(path, keepdims);
        Assert.Contains("GlobalAveragePooling1D 'g': 'keepdims'", Assert.Throws<ModelFormatException>(() => Sequential.Load(path)).Message);
    }

    [Fact]
    public void The_file_is_plain_safetensors_with_keras_layouts_and_named_tensors()
    {
        var model = NotebookModels.Create(NotebookModel.Cnn, seed: 1);
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

    private static void WriteArchitectureOnly(string path, string architecture)
    {
        using var file = File.Create(path);
        SafeTensors.Write(file, [], new Dictionary<string, string>
        {
            [ModelFile.FormatKey] = ModelFile.Format, [ModelFile.VersionKey] = "1", [ModelFile.ArchitectureKey] = architecture,
        });
    }

    /// <summary>Conv2D, BatchNormalization (fast-moving statistics, so that a few steps move them), global pooling and Dense on 12x10x2 images.</summary>
    internal static Sequential NormalizedImageModel(bool globalMax = false) => new(
    [
        new Conv2D(5, 3, padding: Padding.Same, useBias: false),
        new BatchNormalization(momentum: 0.8f, epsilon: 0.01f, gammaRegularizer: Regularizer.L2Penalty(0.001f)),
        new ActivationLayer(Activation.Relu),
        new Conv2D(4, 3, strides: 2, activation: Activation.Relu),
        new BatchNormalization(center: false, movingVarianceInitializer: Tailor.Initializers.Initializer.Zeros),
        globalMax ? new GlobalMaxPooling2D() : new GlobalAveragePooling2D(),
        new Dense(3, Activation.Softmax),
    ], seed: 6);

    /// <summary>
    /// 12x10x2 images read as 12 steps of 20 features: causal dilated Conv1D, strided Conv1D and 1D pooling of
    /// both kinds with "same" padding that pads only the end, BatchNormalization, global pooling.
    /// </summary>
    internal static Sequential SequenceModel(bool globalMax = true) => new(
    [
        new Reshape([12, -1], "rows"),
        new Conv1D(6, 3, padding: Padding.Causal, dilationRate: 2, activation: Activation.Relu, kernelRegularizer: Regularizer.L2Penalty(0.001f)),
        new AveragePooling1D(2, 1, Padding.Same),
        new BatchNormalization(momentum: 0.9f, scale: false),
        new Conv1D(4, 3, strides: 2, padding: Padding.Same, activation: Activation.Tanh, useBias: false),
        new MaxPooling1D(3, 2, Padding.Same),
        globalMax ? new GlobalMaxPooling1D() : new GlobalAveragePooling1D(),
        new Dense(3, Activation.Softmax),
    ], seed: 8);

    internal static int[] Bits(Tailor.Tensors.Tensor t) => t.Span.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

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
