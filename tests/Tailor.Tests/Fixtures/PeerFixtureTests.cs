using System.Text.Json;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Tensors;
using Xunit.Abstractions;

namespace Tailor.Tests.Fixtures;

/// <summary>
/// Known answers from a peer: models with fixed weights, evaluated by PyTorch in float64 (see
/// make_fixtures.py), rebuilt here with Tailor's layers. Every layer's output, the predictions, the
/// loss and every weight's gradient must agree within <see cref="Tolerance"/>.
/// </summary>
public sealed class PeerFixtureTests(ITestOutputHelper output)
{
    /// <summary>Absolute; Tailor computes in float32, the reference in float64 from the same float32 values.</summary>
    private const double Tolerance = 1e-5;

    public static TheoryData<string> Fixtures => new() { "cnn", "cnn_rect", "mlp", "mlp_bce", "mlp_mse" };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void MatchesPyTorch(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".json")));
        var root = document.RootElement;
        var model = BuildModel(root);
        var x = ReadTensor(root.GetProperty("x"));
        var y = ReadTensor(root.GetProperty("y"));
        var layers = root.GetProperty("layers").EnumerateArray().ToArray();
        var failures = new List<string>();

        void Check(string what, ReadOnlySpan<int> shape, ReadOnlySpan<float> actual, JsonElement expected)
        {
            var (expectedShape, values) = ReadValues(expected);
            Assert.True(shape.SequenceEqual(expectedShape),
                $"{name}: {what} has shape {Tensor.Format(shape)}, the fixture {Tensor.Format(expectedShape)}.");
            double worst = 0;
            int at = 0;
            for (int i = 0; i < values.Length; i++)
            {
                double difference = Math.Abs(actual[i] - values[i]);
                if (!(difference <= worst)) { worst = difference; at = i; }
            }
            output.WriteLine($"{name}: {what,-32} max |difference| {worst:E2}");
            if (!(worst <= Tolerance))
                failures.Add($"{what}: max |difference| {worst:E3} at flat index {at} (Tailor {actual[at]:R}, PyTorch {values[at]:R})");
        }

        var predictions = model.Predict(x);
        Check("predictions", predictions.Shape, predictions.Span, root.GetProperty("predictions"));

        var activations = model.GetActivations(x);
        for (int i = 0; i < layers.Length; i++)
            Check($"output of {activations[i].Layer.Describe()}", activations[i].Output.Shape, activations[i].Output.Span, layers[i].GetProperty("output"));

        double loss = model.ComputeGradients(x, y);
        double expectedLoss = root.GetProperty("loss_value").GetDouble();
        output.WriteLine($"{name}: {"loss",-32} max |difference| {Math.Abs(loss - expectedLoss):E2}");
        if (!(Math.Abs(loss - expectedLoss) <= Tolerance))
            failures.Add($"loss: Tailor {loss:R}, PyTorch {expectedLoss:R}");

        for (int i = 0; i < layers.Length; i++)
        {
            var layer = model.Layers[i];
            if (!layers[i].TryGetProperty("gradients", out var gradients))
            {
                Assert.Empty(layer.Parameters);
                continue;
            }
            Assert.Equal(gradients.EnumerateObject().Count(), layer.Parameters.Count);
            foreach (var parameter in layer.Parameters)
                Check($"gradient of {layer.Name}/{parameter.Name}", parameter.Gradient.Shape, parameter.Gradient.Span, gradients.GetProperty(parameter.Name));
        }

        Assert.True(failures.Count == 0, $"{name}: Tailor differs from PyTorch by more than {Tolerance:E0}:\n" + string.Join("\n", failures));
    }

    /// <summary>The fixture's model with its weights, built for its input shape and compiled with its loss.</summary>
    private static Sequential BuildModel(JsonElement root)
    {
        var model = new Sequential();
        foreach (var spec in root.GetProperty("layers").EnumerateArray())
            model.Add(CreateLayer(spec));
        model.Build(ReadInts(root.GetProperty("input_shape")));
        model.Compile(new Sgd(0.01f), Loss.Parse(root.GetProperty("loss").GetString()!));

        var specs = root.GetProperty("layers").EnumerateArray().ToArray();
        for (int i = 0; i < specs.Length; i++)
        {
            if (!specs[i].TryGetProperty("weights", out var weights)) continue;
            foreach (var parameter in model.Layers[i].Parameters)
            {
                var (shape, values) = ReadValues(weights.GetProperty(parameter.Name));
                Assert.True(parameter.Value.Shape.SequenceEqual(shape),
                    $"{model.Layers[i].Describe()} {parameter.Name} has shape {parameter.Value.ShapeString}, the fixture {Tensor.Format(shape)}.");
                var destination = parameter.Value.Span;
                for (int j = 0; j < values.Length; j++) destination[j] = (float)values[j];
            }
        }
        return model;
    }

    private static Layer CreateLayer(JsonElement spec)
    {
        string type = spec.GetProperty("type").GetString()!;
        return type switch
        {
            "Conv2D" => new Conv2D(spec.GetProperty("filters").GetInt32(), Pair(spec, "kernel_size"), Pair(spec, "strides"),
                PaddingOf(spec), Activations.Parse(spec.GetProperty("activation").GetString()!)),
            "MaxPooling2D" => new MaxPooling2D(Pair(spec, "pool_size"), Pair(spec, "strides"), PaddingOf(spec)),
            "AveragePooling2D" => new AveragePooling2D(Pair(spec, "pool_size"), Pair(spec, "strides"), PaddingOf(spec)),
            "Flatten" => new Flatten(),
            "Dense" => new Dense(spec.GetProperty("units").GetInt32(), Activations.Parse(spec.GetProperty("activation").GetString()!)),
            _ => throw new ArgumentException($"The fixture names layer type '{type}', which this test does not know. Known: Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dense."),
        };
    }

    private static (int, int) Pair(JsonElement spec, string property)
    {
        var values = ReadInts(spec.GetProperty(property));
        return (values[0], values[1]);
    }

    private static Padding PaddingOf(JsonElement spec) =>
        Enum.Parse<Padding>(spec.GetProperty("padding").GetString()!, ignoreCase: true);

    private static int[] ReadInts(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static (int[] Shape, double[] Values) ReadValues(JsonElement tensor)
    {
        int[] shape = ReadInts(tensor.GetProperty("shape"));
        double[] values = tensor.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), values.Length);
        return (shape, values);
    }

    private static Tensor ReadTensor(JsonElement tensor)
    {
        var (shape, values) = ReadValues(tensor);
        return Tensor.FromArray(values.Select(v => (float)v).ToArray(), shape);
    }
}
