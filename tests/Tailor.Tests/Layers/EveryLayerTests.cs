using System.Text.Json;
using Tailor.Initializers;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Normalization;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Models;
using Tailor.Regularizers;
using Tailor.Tensors;
using Tailor.Tests.Data;
using Tailor.Tests.Reference;
using Tailor.Tests.Serialization;
using Tailor.Serialization;

namespace Tailor.Tests.Layers;

/// <summary>
/// Every public layer of the library, found by reflection, goes through the same checks: its config names
/// every constructor parameter and round-trips through the registry with every argument away from its
/// default, it round-trips through a saved model file (the registry creates it back, with the same weights
/// and the same outputs), its gradients agree with finite differences of a double-precision reference, and
/// ONNX Runtime reproduces it from the exported file. A new layer that is left out of the table below fails
/// the first test, naming it: adding it here is adding it to every check, so a layer that does not write its
/// config or describe its ONNX nodes fails one of them.
/// </summary>
public sealed class EveryLayerTests
{
    private const int Batch = 3;

    /// <summary>
    /// One layer of each type; layers of that type that between them move every constructor argument with a
    /// default away from it (Varied: one may not do, when arguments exclude each other); the per-sample input
    /// it is checked on, its double-precision forward, and whether the gradient check runs in training mode
    /// (BatchNormalization's batch statistics; Dropout's random mask is checked against its mask in
    /// FlattenDropoutActivationTests, here in inference).
    /// </summary>
    private sealed record Example(Func<Layer> Create, Func<Layer>[] Varied, int[] InputShape, Func<Layer, double[], double[][], RefTensor> Reference, bool Training = false);

    private static readonly Regularizer L1 = new(l1: 0.01f), L2 = new(l2: 0.02f);

    private static readonly Dictionary<Type, Example> Examples = new()
    {
        [typeof(Dense)] = new(() => new Dense(4, Activation.Tanh),
            [() => new Dense(4, Activation.Tanh, useBias: false, Initializer.HeNormal, Initializer.Ones, L1, L2, "varied")],
            [5],
            (l, x, p) => LayerReference.Dense(x, Batch, p[0], p[1], 4, Activation.Tanh)),
        [typeof(Conv2D)] = new(() => new Conv2D(3, (2, 3), (1, 2), Padding.Same, Activation.Relu),
            [() => new Conv2D(3, (2, 3), (1, 2), Padding.Same, Activation.Relu, false, Initializer.HeUniform, Initializer.Ones, L1, L2, "varied")],
            [5, 6, 2],
            (l, x, p) => LayerReference.Conv2D(x, Batch, 5, 6, 2, p[0], p[1], 2, 3, 3, 1, 2, Padding.Same, Activation.Relu)),
        [typeof(Conv1D)] = new(() => new Conv1D(3, 3, 1, Padding.Causal, 2, Activation.Sigmoid),
            [() => new Conv1D(3, 3, 2, Padding.Same, 1, Activation.Elu, false, Initializer.LecunNormal, Initializer.Ones, L1, L2, "varied"), () => new Conv1D(3, 3, 1, Padding.Causal, 2)],
            [7, 2],
            (l, x, p) => SequenceLayerReference.Conv1D(x, Batch, 7, 2, p[0], p[1], 3, 3, 1, 2, Padding.Causal, Activation.Sigmoid)),
        [typeof(MaxPooling2D)] = new(() => new MaxPooling2D((2, 2), (2, 2), Padding.Valid),
            [() => new MaxPooling2D((3, 2), (1, 2), Padding.Same, "varied")],
            [6, 5, 2],
            (l, x, p) => LayerReference.MaxPooling2D(x, Batch, 6, 5, 2, 2, 2, 2, 2, Padding.Valid)),
        [typeof(AveragePooling2D)] = new(() => new AveragePooling2D((2, 3), (1, 2), Padding.Same),
            [() => new AveragePooling2D((3, 2), (1, 2), Padding.Same, "varied")],
            [5, 6, 2],
            (l, x, p) => LayerReference.AveragePooling2D(x, Batch, 5, 6, 2, 2, 3, 1, 2, Padding.Same)),
        [typeof(MaxPooling1D)] = new(() => new MaxPooling1D(2),
            [() => new MaxPooling1D(3, 1, Padding.Same, "varied")],
            [7, 3],
            (l, x, p) => SequenceLayerReference.Pooling1D(x, Batch, 7, 3, 2, 2, Padding.Valid, max: true)),
        [typeof(AveragePooling1D)] = new(() => new AveragePooling1D(3, 1, Padding.Same),
            [() => new AveragePooling1D(3, 1, Padding.Same, "varied")],
            [7, 3],
            (l, x, p) => SequenceLayerReference.Pooling1D(x, Batch, 7, 3, 3, 1, Padding.Same, max: false)),
        [typeof(GlobalAveragePooling1D)] = new(() => new GlobalAveragePooling1D(),
            [() => new GlobalAveragePooling1D("varied")],
            [7, 3],
            (l, x, p) => SequenceLayerReference.GlobalPooling(x, Batch, 3, max: false)),
        [typeof(GlobalMaxPooling1D)] = new(() => new GlobalMaxPooling1D(),
            [() => new GlobalMaxPooling1D("varied")],
            [7, 3],
            (l, x, p) => SequenceLayerReference.GlobalPooling(x, Batch, 3, max: true)),
        [typeof(GlobalAveragePooling2D)] = new(() => new GlobalAveragePooling2D(),
            [() => new GlobalAveragePooling2D("varied")],
            [4, 5, 3],
            (l, x, p) => SequenceLayerReference.GlobalPooling(x, Batch, 3, max: false)),
        [typeof(GlobalMaxPooling2D)] = new(() => new GlobalMaxPooling2D(),
            [() => new GlobalMaxPooling2D("varied")],
            [4, 5, 3],
            (l, x, p) => SequenceLayerReference.GlobalPooling(x, Batch, 3, max: true)),
        [typeof(BatchNormalization)] = new(() => new BatchNormalization(),
            [() => new BatchNormalization(-1, 0.9f, 1e-2f, false, false, Initializer.Ones, Initializer.Zeros, Initializer.Ones, Initializer.Zeros, L1, L2, "varied")],
            [4, 3],
            (l, x, p) => BatchNormalizationReference.Forward(x, [4, 3], p[0], p[1], p[2], p[3], ((BatchNormalization)l).Epsilon, training: true), Training: true),
        [typeof(Reshape)] = new(() => new Reshape(3, 4),
            [() => new Reshape([3, -1], "varied")],
            [12],
            (l, x, p) => new RefTensor((double[])x.Clone(), [3, 4])),
        [typeof(Flatten)] = new(() => new Flatten(),
            [() => new Flatten("varied")],
            [3, 2, 2],
            (l, x, p) => LayerReference.Flatten(x, Batch)),
        [typeof(Dropout)] = new(() => new Dropout(0.3f, 7),
            [() => new Dropout(0.3f, 7, "varied")],
            [4, 3],
            (l, x, p) => LayerReference.Dropout(x, [.. Enumerable.Repeat(1.0, x.Length)], [4, 3])),
        [typeof(ActivationLayer)] = new(() => new ActivationLayer(Activation.Gelu),
            [() => new ActivationLayer(Activation.Gelu, "varied")],
            [6],
            (l, x, p) => LayerReference.ActivationLayer(x, [6], Activation.Gelu)),
    };

    /// <summary>Layers that cannot be exported to ONNX, and why; the check is then that export refuses them, naming the layer. Empty today.</summary>
    private static readonly Dictionary<Type, string> NotExportedToOnnx = new();

    /// <summary>Constructor arguments that no example can move from their default, and why.</summary>
    private static readonly Dictionary<(Type, string), string> OnlyDefault = new()
    {
        [(typeof(BatchNormalization), "axis")] = "only -1, the channels of channels-last data, is supported",
    };

    /// <summary>The public one-input layers: the merge layers (several inputs) take the same checks in MergeLayerTests.</summary>
    private static IEnumerable<Type> PublicLayerTypes() =>
        typeof(Layer).Assembly.GetExportedTypes().Where(t => t.IsSubclassOf(typeof(Layer)) && !t.IsAbstract && !t.IsSubclassOf(typeof(MultiInputLayer)));

    public static TheoryData<string> LayerNames() => [.. Examples.Keys.Select(t => t.Name).Order(StringComparer.Ordinal)];

    private static Example For(string name) => Examples.Single(e => e.Key.Name == name).Value;

    [Fact]
    public void Every_public_layer_has_an_example_and_so_takes_every_check()
    {
        var missing = PublicLayerTypes().Where(t => !Examples.ContainsKey(t)).Select(t => t.FullName).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "Public layers without an entry in EveryLayerTests.Examples (config, save/load, gradient and ONNX checks): " + string.Join(", ", missing));
        Assert.All(Examples.Keys, t => Assert.Contains(t, PublicLayerTypes()));
    }

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void Its_config_names_every_constructor_parameter_and_the_registry_creates_it_back(string name)
    {
        var type = Examples.Single(e => e.Key.Name == name).Key;
        var parameters = LayerConstructor.For(type).Parameters;
        var varied = For(name).Varied.Select(create => create()).ToList();

        var defaults = new List<Dictionary<string, object?>>();
        foreach (var layer in varied)
        {
            var config = layer.GetConfig();
            var missing = parameters.Select(p => p.Key).Where(key => !config.ContainsKey(key)).ToList();
            Assert.True(missing.Count == 0, $"{name}.GetConfig() leaves out the constructor's {string.Join(", ", missing)}.");

            var back = LayerRegistry.Create(ConfigOf(layer.TypeName, config));

            Assert.Equal(type, back.GetType());
            Assert.Equal(Config(layer), Config(back));
            // The layer the registry makes from the required keys alone has every other argument at its default.
            var required = parameters.Where(p => p.Required).ToDictionary(p => p.Key, p => config[p.Key]);
            defaults.Add(LayerRegistry.Create(ConfigOf(layer.TypeName, required)).GetConfig());
        }

        foreach (var p in parameters.Where(p => !p.Required && !OnlyDefault.ContainsKey((type, p.Key))))
            Assert.True(varied.Zip(defaults).Any(v => Json(v.First.GetConfig()[p.Key]) != Json(v.Second[p.Key])),
                $"No Varied example of {name} moves '{p.Key}' from its default, so a mistake in writing or reading it would pass unseen.");
    }

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void Saved_and_loaded_it_is_the_same_layer_with_the_same_outputs(string name)
    {
        var example = For(name);
        var model = Model(example);
        var x = Input(example, seed: 5);
        using var folder = new TempDirectory();
        string path = folder.File("model.safetensors");

        model.Save(path);
        var loaded = Sequential.Load(path);

        var (layer, back) = (model.Layers[0], loaded.Layers[0]);
        Assert.Equal(layer.GetType(), back.GetType());
        Assert.Equal(Config(layer), Config(back));
        Assert.Equal(model.Summary(), loaded.Summary());
        Assert.Equal(model.Predict(x).Span.ToArray(), loaded.Predict(x).Span.ToArray());
    }

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void Its_gradients_agree_with_finite_differences_of_the_reference(string name)
    {
        var example = For(name);
        var layer = example.Create();
        LayerGradientCheck.Run(layer, example.InputShape, Batch, (x, p) => example.Reference(layer, x, p), seed: 11, training: example.Training).AssertPassed();
    }

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void Onnx_runtime_reproduces_it_from_the_exported_file(string name)
    {
        var example = For(name);
        var model = Model(example);
        if (NotExportedToOnnx.ContainsKey(Examples.Single(e => e.Key.Name == name).Key))
        {
            var refused = Assert.Throws<NotSupportedException>(() => OnnxExport.Build(model));
            Assert.Contains(model.Layers[0].Describe(), refused.Message);
            return;
        }

        float difference = OnnxExportTests.MaxDifference(model, Input(example, seed: 9), out _);

        Assert.True(difference <= 1e-5f, $"{name}: ONNX Runtime differs from Tailor by {difference}.");
    }

    /// <summary>
    /// A layer called twice in a functional model runs its second call on a twin (a memberwise copy made before it is
    /// built): the twin may share only what never changes (strings, initializers, regularizers, empty arrays), never a
    /// job, scratch or random stream of the layer, which would then run the wrong layer or draw from the wrong stream.
    /// </summary>
    [Theory]
    [MemberData(nameof(LayerNames))]
    public void Its_twin_for_a_second_call_shares_nothing_that_changes(string name)
    {
        var layer = For(name).Create();
        var twin = layer.CreateTwin();

        var shared = new List<string>();
        for (var type = layer.GetType(); type != null && type != typeof(object); type = type.BaseType)
            foreach (var field in type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsValueType || field.GetValue(layer) is not { } value || !ReferenceEquals(value, field.GetValue(twin))) continue;
                // A readonly int[] is a hyperparameter (Reshape's target shape), set once in the constructor.
                if (value is string or Initializers.Initializer or Regularizer or Array { Length: 0 } || (field.IsInitOnly && value is int[])) continue;
                shared.Add($"{type.Name}.{field.Name} ({value.GetType().Name})");
            }

        Assert.True(shared.Count == 0, $"{name}'s twin shares {string.Join(", ", shared)}; give it its own in OnTwinCreated.");
    }

    /// <summary>A built model of the one layer, with random weights (and moving statistics) so that nothing is trivially zero or one.</summary>
    private static Sequential Model(Example example)
    {
        var model = new Sequential(seed: 3);
        model.Add(example.Create());
        model.Build(example.InputShape);
        var rng = new Common.Rng(17);
        foreach (var p in model.Layers[0].Parameters)
        {
            var values = RandomData.Uniform(rng, p.Value.Length, 0.1f, 0.9f);
            values.CopyTo(p.Value.Span);
        }
        return model;
    }

    private static Tensor Input(Example example, ulong seed)
    {
        int size = example.InputShape.Aggregate(1, (a, b) => a * b);
        return new Tensor(RandomData.Uniform(new Common.Rng(seed), Batch * size), [Batch, .. example.InputShape]);
    }

    private static string Config(Layer layer) => Json(layer.GetConfig());

    private static string Json(object? value) => JsonSerializer.Serialize(value);

    private static LayerConfig ConfigOf(string className, Dictionary<string, object?> config) =>
        new(className, JsonSerializer.SerializeToElement(config), "(in memory)");
}
