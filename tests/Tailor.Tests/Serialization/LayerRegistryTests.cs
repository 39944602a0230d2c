using System.Text.Json;
using Tailor.Layers;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Models;
using Tailor.Serialization;
using Tailor.Tensors;
using Tailor.Tests.Data;

namespace Tailor.Tests.Serialization;

/// <summary>
/// The registry creates a layer through its own constructor, the built-in ones as well as a user's layer
/// registered by type; the config readers' checks and messages apply, and a constructor it cannot read is
/// refused when registered. (Every built-in layer's round trip is in EveryLayerTests.)
/// </summary>
public sealed class LayerRegistryTests
{
    /// <summary>A layer from outside the library, y = ±factor x, with a constructor the registry can read.</summary>
    public sealed class ScaleBy : Layer
    {
        private Tensor? _output, _inputGradient;

        public ScaleBy(float factor, bool negate = false, string? name = null)
        {
            Factor = factor;
            Negate = negate;
            Name = name;
        }

        public float Factor { get; }
        public bool Negate { get; }
        private float Multiplier => Negate ? -Factor : Factor;

        public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

        public override Tensor Forward(Tensor input, bool training)
        {
            CheckInput(input);
            var y = Ensure(ref _output, input.Dim(0), OutputShape);
            System.Numerics.Tensors.TensorPrimitives.Multiply(input.Span, Multiplier, y.Span);
            return y;
        }

        public override Tensor? Backward(Tensor outputGradient)
        {
            var dx = Ensure(ref _inputGradient, outputGradient.Dim(0), InputShape);
            System.Numerics.Tensors.TensorPrimitives.Multiply(outputGradient.Span, Multiplier, dx.Span);
            return dx;
        }

        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["factor"] = Factor;
            config["negate"] = Negate;
            return config;
        }
    }

    /// <summary>A constructor parameter of a type no config reader knows.</summary>
    public sealed class StampedAt(DateTime when) : Layer
    {
        public DateTime When { get; } = when;
        public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();
        public override Tensor Forward(Tensor input, bool training) => input;
        public override Tensor? Backward(Tensor outputGradient) => outputGradient;
    }

    /// <summary>Two public constructors and neither marked as the config's.</summary>
    public sealed class TwoWays : Layer
    {
        public TwoWays(int units) => Units = units;
        public TwoWays(int units, string? name) : this(units) => Name = name;
        public int Units { get; }
        public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();
        public override Tensor Forward(Tensor input, bool training) => input;
        public override Tensor? Backward(Tensor outputGradient) => outputGradient;
    }

    private static LayerConfig Config(string className, string json) =>
        new(className, JsonDocument.Parse(json).RootElement.Clone(), "layers.json");

    [Fact]
    public void A_registered_layer_type_is_created_through_its_constructor_and_a_missing_key_takes_its_default()
    {
        LayerRegistry.Register<ScaleBy>();

        var layer = Assert.IsType<ScaleBy>(LayerRegistry.Create(Config("ScaleBy", """{"name": "s", "factor": 2.5}""")));
        var negated = Assert.IsType<ScaleBy>(LayerRegistry.Create(Config("ScaleBy", """{"factor": 2.5, "negate": true}""")));

        Assert.Equal(("s", 2.5f, false), (layer.Name, layer.Factor, layer.Negate));
        Assert.True(negated.Negate);
        Assert.Contains("ScaleBy", LayerRegistry.ClassNames);
    }

    [Fact]
    public void A_saved_model_with_a_registered_layer_loads_with_the_same_outputs()
    {
        LayerRegistry.Register(typeof(ScaleBy));
        var model = new Sequential([new Dense(3), new ScaleBy(-0.5f, negate: true)], seed: 2);
        model.Build(4);
        var x = new Tensor(Enumerable.Range(0, 8).Select(i => i * 0.25f).ToArray(), [2, 4]);
        using var folder = new TempDirectory();

        model.Save(folder.File("m.safetensors"));
        var loaded = Sequential.Load(folder.File("m.safetensors"));

        Assert.Equal(JsonSerializer.Serialize(model.Layers[1].GetConfig()), JsonSerializer.Serialize(loaded.Layers[1].GetConfig()));
        Assert.Equal(model.Predict(x).Span.ToArray(), loaded.Predict(x).Span.ToArray());
    }

    [Fact]
    public void The_readers_name_the_file_layer_and_key_of_a_missing_or_wrong_value()
    {
        LayerRegistry.Register<ScaleBy>();

        var missing = Assert.Throws<ModelFormatException>(() => LayerRegistry.Create(Config("ScaleBy", """{"name": "s"}""")));
        var wrong = Assert.Throws<ModelFormatException>(() => LayerRegistry.Create(Config("ScaleBy", """{"name": "s", "factor": "big"}""")));
        var refusedByConstructor = Assert.Throws<ModelFormatException>(() => LayerRegistry.Create(Config("Dense", """{"name": "d", "units": 4, "activation": "swish"}""")));

        Assert.Equal("layers.json: ScaleBy 's': the config has no 'factor'.", missing.Message);
        Assert.Equal("layers.json: ScaleBy 's': expected 'factor' to be a finite number, found \"big\".", wrong.Message);
        Assert.StartsWith("layers.json: Dense 'd': 'activation': Unknown activation 'swish'", refusedByConstructor.Message);
    }

    [Fact]
    public void A_key_the_layer_is_fixed_to_is_refused_with_another_value_and_accepted_with_its_own()
    {
        var refused = Assert.Throws<ModelFormatException>(() => LayerRegistry.Create(Config("GlobalMaxPooling2D", """{"name": "g", "data_format": "channels_first"}""")));
        var accepted = LayerRegistry.Create(Config("GlobalMaxPooling2D", """{"name": "g", "data_format": "channels_last", "keepdims": false}"""));

        Assert.Equal("layers.json: GlobalMaxPooling2D 'g': 'data_format' must be \"channels_last\" (Tailor's GlobalMaxPooling2D supports no other value), found \"channels_first\".", refused.Message);
        Assert.IsType<GlobalMaxPooling2D>(accepted);
    }

    [Fact]
    public void Keras_defaults_where_the_constructor_has_none_come_from_the_layer_file()
    {
        var pooling = Assert.IsType<MaxPooling2D>(LayerRegistry.Create(Config("MaxPooling2D", """{"name": "p"}""")));
        var activation = Assert.IsType<ActivationLayer>(LayerRegistry.Create(Config("Activation", """{"name": "a"}""")));

        Assert.Equal(((2, 2), (2, 2)), (pooling.PoolSize, pooling.Strides));
        Assert.Equal(Tailor.Kernels.Activation.Linear, activation.Activation);
    }

    [Fact]
    public void A_constructor_the_registry_cannot_read_is_refused_at_registration_naming_the_parameter()
    {
        var unreadable = Assert.Throws<ArgumentException>(() => LayerRegistry.Register<StampedAt>());
        var ambiguous = Assert.Throws<ArgumentException>(() => LayerRegistry.Register<TwoWays>());

        Assert.Contains("StampedAt's constructor parameter 'when' of type DateTime has no config reader", unreadable.Message);
        Assert.Contains("TwoWays has 2 public constructors and none marked [ConfigConstructor]", ambiguous.Message);
        Assert.DoesNotContain("StampedAt", LayerRegistry.ClassNames);
    }

    [Fact]
    public void A_factory_of_its_own_still_creates_a_layer_type()
    {
        LayerRegistry.Register("ScaleByTwo", c => new ScaleBy(2, name: c.Name));

        var layer = Assert.IsType<ScaleBy>(LayerRegistry.Create(Config("ScaleByTwo", """{"name": "two"}""")));

        Assert.Equal(("two", 2f), (layer.Name, layer.Factor));
    }

    [Fact]
    public void Every_public_layer_of_the_library_is_known_under_its_keras_name()
    {
        var names = typeof(Layer).Assembly.GetExportedTypes().Where(t => t.IsSubclassOf(typeof(Layer)) && !t.IsAbstract).Select(Layer.TypeNameOf).ToList();

        Assert.Subset(LayerRegistry.ClassNames.ToHashSet(), names.ToHashSet());
        Assert.Contains("Activation", names);
        Assert.DoesNotContain("ActivationLayer", LayerRegistry.ClassNames);
    }
}
