using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Layers.Normalization;
using Tailor.Layers.Pooling;
using Tailor.Models;
using Xunit.Abstractions;
using Tailor.Serialization;
using Tailor.Studies;
using Tailor.Tests.Data;

namespace Tailor.Tests.Serialization;

/// <summary>The exported ONNX model, run by ONNX Runtime, gives Tailor's probabilities (max abs difference at most 1e-5).</summary>
public sealed class OnnxExportTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-5f;

    [Theory]
    [InlineData(NotebookModel.Dense)]
    [InlineData(NotebookModel.Cnn)]
    [InlineData(NotebookModel.CnnDropout)]
    [InlineData(NotebookModel.Conv1D)]
    [InlineData(NotebookModel.CnnBatchNorm)]
    [InlineData(NotebookModel.Vgg)]
    public void Notebook_models_give_tailors_probabilities_on_100_test_images(NotebookModel which)
    {
        var sample = VendoredSample.Notebook;
        var model = NotebookModels.Create(which, seed: 11);
        model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
        var trainX = TrainingRun.Inputs(sample.Train, model);
        model.Fit(trainX.Slice(0, 512), sample.Train.OneHot.Slice(0, 512), epochs: 2, batchSize: 64, verbose: 0);
        var x = TrainingRun.Inputs(sample.Test, model).Slice(0, 100);

        float difference = MaxDifference(model, x, out float[] onnx);

        output.WriteLine($"{which}: max abs difference {difference:E3} on 100 test images");
        Assert.True(difference <= Tolerance, $"max abs difference {difference:E3} on 100 test images");
        Assert.Equal(1f, onnx.Take(10).Sum(), 1e-5f);
    }

    [Fact]
    public void Same_padding_strides_average_pooling_and_every_activation_export_exactly()
    {
        var model = ModelFileTests.MixedModel();
        var (x, _) = ModelFileTests.SyntheticImages(30, seed: 5);
        model.Build(12, 10, 2);

        float difference = MaxDifference(model, x, out _);

        output.WriteLine($"mixed layers: max abs difference {difference:E3}");
        Assert.True(difference <= Tolerance, $"max abs difference {difference:E3}");
    }

    [Theory]
    [InlineData("normalized-images")]       // Conv2D + BatchNormalization (channels-first) + GlobalAveragePooling2D
    [InlineData("normalized-images-max")]   // ... + GlobalMaxPooling2D
    [InlineData("sequences")]               // causal dilated and strided Conv1D, AveragePooling1D, MaxPooling1D, GlobalMaxPooling1D
    [InlineData("sequences-average")]       // ... + GlobalAveragePooling1D
    [InlineData("dense-normalized")]        // BatchNormalization on channels-last features, Reshape
    public void Trained_models_with_batch_normalization_and_1d_layers_export_exactly(string which)
    {
        var (x, y) = ModelFileTests.SyntheticImages(40, seed: 3);
        var model = which switch
        {
            "normalized-images" => ModelFileTests.NormalizedImageModel(),
            "normalized-images-max" => ModelFileTests.NormalizedImageModel(globalMax: true),
            "sequences" => ModelFileTests.SequenceModel(),
            "sequences-average" => ModelFileTests.SequenceModel(globalMax: false),
            _ => new Sequential(
            [
                new Reshape(240), new Dense(8), new BatchNormalization(momentum: 0.5f), new ActivationLayer(Activation.Relu),
                new Reshape(4, 2), new GlobalAveragePooling1D(), new Dense(3, Activation.Softmax),
            ], seed: 4),
        };
        model.Compile("adam", "categorical_crossentropy", "accuracy");
        // Trained, so that the moving statistics are far from their initial zeros and ones.
        model.Fit(x, y, epochs: 3, batchSize: 8, verbose: 0, seed: 1);

        float difference = MaxDifference(model, x, out _);

        output.WriteLine($"{which}: max abs difference {difference:E3}");
        Assert.True(difference <= Tolerance, $"max abs difference {difference:E3}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_trained_residual_model_with_every_merge_and_a_shared_layer_exports_exactly(bool batchNorm)
    {
        var (x, y) = ModelFileTests.SyntheticImages(40, seed: 3);
        var model = ResidualModel(batchNorm);
        model.Compile("adam", "categorical_crossentropy", "accuracy");
        model.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, seed: 1);

        float difference = MaxDifference(model, x, out float[] onnx);

        output.WriteLine($"residual model (batch normalization: {batchNorm}): max abs difference {difference:E3} on 40 samples");
        Assert.True(difference <= Tolerance, $"max abs difference {difference:E3}");
        Assert.Equal(1f, onnx.Take(3).Sum(), 1e-5f);
    }

    [Fact]
    public void A_functional_model_exports_its_inputs_and_outputs_by_name()
    {
        var image = new Input([12, 10, 2], "image");
        var extra = new Input([5], "extra");
        var features = new GlobalAveragePooling2D().Call(new Conv2D(5, 3, activation: Activation.Relu).Call(image));
        var sum = new Add(name: "sum").Call(features, extra);
        var probabilities = new Dense(3, Activation.Softmax, name: "probabilities").Call(sum);
        var model = new Model([image, extra], [probabilities, sum], seed: 2);
        var (x, _) = ModelFileTests.SyntheticImages(6, seed: 4);
        var x2 = Tailor.Tensors.Tensor.FromArray(Enumerable.Range(0, 30).Select(i => i / 30f).ToArray(), 6, 5);
        using var folder = new TempDirectory();
        OnnxExport.Save(model, folder.File("two.onnx"));

        using var session = new InferenceSession(folder.File("two.onnx"));
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("image", new DenseTensor<float>(x.Span.ToArray(), x.Shape.ToArray())),
            NamedOnnxValue.CreateFromTensor("extra", new DenseTensor<float>(x2.Span.ToArray(), x2.Shape.ToArray())),
        ]);

        Assert.Equal(["image", "extra"], session.InputMetadata.Keys);
        Assert.Equal(["probabilities", "sum"], results.Select(r => r.Name));
        var expected = model.Predict([x, x2]);
        for (int i = 0; i < 2; i++)
        {
            var tailor = expected[i].Span.ToArray();
            var runtime = results.ElementAt(i).AsEnumerable<float>().ToArray();
            Assert.Equal(tailor.Length, runtime.Length);
            Assert.True(tailor.Zip(runtime, (a, b) => Math.Abs(a - b)).Max() <= Tolerance);
        }
    }

    /// <summary>
    /// A residual block (with or without BatchNormalization), a 1x1 convolution called twice (shared), Subtract,
    /// Multiply, Average and Maximum of three, Concatenate over the channels, over the height and over features.
    /// </summary>
    internal static Model ResidualModel(bool batchNorm, int[]? inputShape = null)
    {
        var input = new Input(inputShape ?? [12, 10, 2], "image");
        var stem = new Conv2D(8, 3, padding: Padding.Same, activation: Activation.Relu).Call(input);
        var y = new Conv2D(8, 3, padding: Padding.Same, useBias: !batchNorm).Call(stem);
        if (batchNorm) y = new BatchNormalization(momentum: 0.5f).Call(y);
        var block = new ActivationLayer(Activation.Relu).Call(new Add().Call(stem, y));
        var shared = new Conv2D(8, 1, activation: Activation.Tanh);
        var a = shared.Call(block);
        var b = shared.Call(stem);
        var mean = new Average().Call(new Subtract().Call(a, b), new Multiply().Call(a, block), a);
        var max = new Maximum().Call(mean, y, block);
        var channels = new Concatenate().Call(max, block);
        var tall = new MaxPooling2D(2).Call(new Concatenate(axis: 1).Call(channels, channels));
        var features = new Concatenate().Call(new Flatten().Call(tall), new GlobalAveragePooling2D().Call(tall));
        return new Model(input, new Dense(3, Activation.Softmax).Call(features), name: "residual", seed: 7);
    }

    [Fact]
    public void The_input_is_named_and_shaped_as_in_keras_with_a_dynamic_batch()
    {
        var model = NotebookModels.Create(NotebookModel.Cnn, seed: 1);
        using var folder = new TempDirectory();
        OnnxExport.Save(model, folder.File("cnn.onnx"));

        using var session = new InferenceSession(folder.File("cnn.onnx"));

        var input = Assert.Single(session.InputMetadata);
        Assert.Equal("conv2d_input", input.Key);
        Assert.Equal([-1, 28, 28, 1], input.Value.Dimensions);
        Assert.Equal([-1, 10], Assert.Single(session.OutputMetadata).Value.Dimensions);
        Assert.Equal(OnnxExport.Opset, Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(folder.File("cnn.onnx"))).OpsetImport[0].Version);
    }

    [Fact]
    public void A_layer_that_does_not_describe_its_inference_is_refused_naming_it()
    {
        var model = new Sequential([new Dense(3), new LayerRegistryTests.ScaleBy(2)], seed: 1);
        model.Build(4);

        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.Build(model));

        Assert.Equal("ScaleBy 'scale_by' cannot be exported to ONNX: ScaleBy does not describe its inference computation (Layer.DescribeInference).", e.Message);
    }

    /// <summary>Runs the model in Tailor and, exported, in ONNX Runtime; returns the largest difference of the outputs.</summary>
    internal static float MaxDifference(Model model, Tailor.Tensors.Tensor x, out float[] onnx)
    {
        using var folder = new TempDirectory();
        string path = folder.File("model.onnx");
        OnnxExport.Save(model, path);
        var expected = model.Predict(x).Span.ToArray();

        using var session = new InferenceSession(path);
        var input = new DenseTensor<float>(x.Span.ToArray(), x.Shape.ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExport.InputName(model), input)]);
        onnx = results.Single().AsEnumerable<float>().ToArray();

        Assert.Equal(expected.Length, onnx.Length);
        float max = 0;
        for (int i = 0; i < expected.Length; i++) max = Math.Max(max, Math.Abs(expected[i] - onnx[i]));
        return max;
    }
}
