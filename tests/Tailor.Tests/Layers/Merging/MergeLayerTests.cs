using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tailor.Common;
using Tailor.Layers;
using Tailor.Layers.Merging;
using Tailor.Models;
using Tailor.Serialization;
using Tailor.Tensors;
using Tailor.Tests.Data;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Layers.Merging;

/// <summary>
/// Every merge layer, found by reflection: its forward against a double reference, its input gradients against
/// central finite differences of that reference (with a random upstream gradient w, L = sum(w * y)), its
/// config through the registry, and its ONNX export run by ONNX Runtime. A new merge layer without an example fails
/// the first test.
/// </summary>
public sealed class MergeLayerTests
{
    private const int Batch = 3;

    private sealed record Example(Func<MultiInputLayer> Create, int[][] InputShapes, Func<double[][], int, double[]> Reference);

    /// <summary>Per-sample (2, 3) inputs; Concatenate joins (2, 3) and (2, 1) on the last axis and (2, 3), (4, 3) on axis 1.</summary>
    private static readonly Dictionary<string, Example> Examples = new()
    {
        ["Add"] = new(() => new Add(), [[2, 3], [2, 3], [2, 3]], (x, _) => Elementwise(x, v => v.Sum())),
        ["Subtract"] = new(() => new Subtract(), [[2, 3], [2, 3]], (x, _) => Elementwise(x, v => v[0] - v[1])),
        ["Multiply"] = new(() => new Multiply(), [[2, 3], [2, 3], [2, 3]], (x, _) => Elementwise(x, v => v[0] * v[1] * v[2])),
        ["Average"] = new(() => new Average(), [[2, 3], [2, 3], [2, 3]], (x, _) => Elementwise(x, v => v.Sum() / v.Length)),
        ["Maximum"] = new(() => new Maximum(), [[2, 3], [2, 3], [2, 3]], (x, _) => Elementwise(x, v => v.Max())),
        ["Concatenate"] = new(() => new Concatenate(), [[2, 3], [2, 1]], (x, batch) => Join(x, batch, [3, 1], outer: 2)),
        ["Concatenate(axis=1)"] = new(() => new Concatenate(axis: 1), [[2, 3], [4, 3]], (x, batch) => Join(x, batch, [6, 12], outer: 1)),
    };

    public static TheoryData<string> Names() => [.. Examples.Keys];

    private static double[] Elementwise(double[][] x, Func<double[], double> merge) =>
        [.. Enumerable.Range(0, x[0].Length).Select(i => merge([.. x.Select(input => input[i])]))];

    /// <summary>Per sample and index before the axis, each input's block of <paramref name="blocks"/> values in turn.</summary>
    private static double[] Join(double[][] x, int batch, int[] blocks, int outer)
    {
        var result = new List<double>();
        for (int s = 0; s < batch * outer; s++)
            for (int i = 0; i < x.Length; i++) result.AddRange(x[i].Skip(s * blocks[i]).Take(blocks[i]));
        return [.. result];
    }

    [Fact]
    public void Every_merge_layer_has_an_example()
    {
        var types = typeof(Layer).Assembly.GetExportedTypes().Where(t => t.IsSubclassOf(typeof(MultiInputLayer)) && !t.IsAbstract);
        var covered = Examples.Values.Select(e => e.Create().GetType()).ToHashSet();
        Assert.All(types, t => Assert.True(covered.Contains(t), $"{t.Name} has no example in MergeLayerTests."));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_and_input_gradients_match_finite_differences_of_the_reference(string name)
    {
        var example = Examples[name];
        var layer = example.Create();
        var rng = new Rng(21);
        layer.Build(example.InputShapes, rng);
        // Values distinct across all inputs, so that Maximum has no ties within a finite-difference step.
        int[] sizes = [.. example.InputShapes.Select(s => Batch * Tensor.SizeOf(s))];
        var all = RandomData.Distinct(rng, sizes.Sum());
        var inputs = sizes.Select((size, i) => all.AsSpan(sizes.Take(i).Sum(), size).ToArray()).ToArray();
        var doubles = inputs.Select(x => RandomData.ToDouble(x)).ToArray();
        var y = layer.Forward([.. inputs.Select((x, i) => new Tensor((float[])x.Clone(), [Batch, .. example.InputShapes[i]]))], training: true);
        var expected = example.Reference(doubles, Batch);
        Assert.Equal([Batch, .. layer.OutputShape], y.Shape.ToArray());
        var result = new List<Comparison> { Comparison.Of("forward", y.Span, expected, LayerGradientCheck.ForwardTolerance) };

        var w = RandomData.Uniform(rng, expected.Length);
        var gradients = layer.BackwardInputs(new Tensor((float[])w.Clone(), y.Shape.ToArray()));
        double Loss()
        {
            var values = example.Reference(doubles, Batch);
            return values.Select((v, i) => v * w[i]).Sum();
        }
        for (int i = 0; i < inputs.Length; i++)
            result.Add(Comparison.Of($"input {i} gradient", gradients[i].Span, FiniteDifference.Gradient(Loss, doubles[i]), LayerGradientCheck.GradientTolerance));

        Assert.True(result.All(c => c.Passed), string.Join(Environment.NewLine, result));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Its_config_creates_it_back_through_the_registry(string name)
    {
        var layer = Examples[name].Create();
        layer.Name = "merge";
        var config = JsonSerializer.SerializeToElement(layer.GetConfig());

        var back = LayerRegistry.Create(new LayerConfig(layer.TypeName, config, "test"));

        Assert.Equal(layer.GetType(), back.GetType());
        Assert.Equal(JsonSerializer.Serialize(layer.GetConfig()), JsonSerializer.Serialize(back.GetConfig()));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Onnx_runtime_reproduces_it_from_the_exported_file(string name)
    {
        var example = Examples[name];
        var inputs = example.InputShapes.Select((shape, i) => new Input(shape, $"in{i}")).ToArray();
        var model = new Model(inputs, [example.Create().Call(inputs)]);
        var rng = new Rng(5);
        var x = example.InputShapes.Select(shape => Tensor.FromArray(
            Enumerable.Range(0, Batch * shape.Aggregate(1, (a, b) => a * b)).Select(_ => rng.NextFloat() * 2 - 1).ToArray(), [Batch, .. shape])).ToArray();
        using var folder = new TempDirectory();
        OnnxExport.Save(model, folder.File("merge.onnx"));

        using var session = new InferenceSession(folder.File("merge.onnx"));
        using var results = session.Run([.. x.Select((t, i) => NamedOnnxValue.CreateFromTensor($"in{i}", new DenseTensor(t.Span.ToArray(), t.Shape.ToArray())))]);

        var expected = model.Predict(x)[0].Span.ToArray();
        var runtime = results.Single().AsEnumerable<float>().ToArray();
        Assert.Equal(expected.Length, runtime.Length);
        float worst = expected.Zip(runtime, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-6f, $"{name}: max abs difference {worst:E3}");
    }

    [Fact]
    public void Inputs_of_different_shapes_are_refused_naming_both_shapes()
    {
        var error = Assert.Throws<ArgumentException>(() => new Add().ComputeOutputShape([[28, 28, 32], [28, 28, 16]]));
        Assert.Equal("Add 'add' needs inputs of one shape; received (None, 28, 28, 32) (input 0) and (None, 28, 28, 16) (input 1).", error.Message);

        var concatenate = Assert.Throws<ArgumentException>(() => new Concatenate().ComputeOutputShape([[28, 28, 32], [14, 14, 16]]));
        Assert.Contains("(None, 28, 28, 32) (input 0) and (None, 14, 14, 16) (input 1)", concatenate.Message);
        Assert.Throws<ArgumentException>(() => new Subtract().ComputeOutputShape([[3], [3], [3]]));
        Assert.Throws<ArgumentException>(() => new Concatenate(axis: 0));
    }

    [Fact]
    public void Concatenate_joins_along_the_axis_it_is_given()
    {
        Assert.Equal([2, 4], new Concatenate().ComputeOutputShape([[2, 3], [2, 1]]));
        Assert.Equal([6, 3], new Concatenate(axis: 1).ComputeOutputShape([[2, 3], [4, 3]]));
        Assert.Equal([6, 3], new Concatenate(axis: -2).ComputeOutputShape([[2, 3], [4, 3]]));
    }
}
