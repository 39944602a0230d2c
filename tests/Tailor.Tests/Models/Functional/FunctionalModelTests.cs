using System.Text.Json;
using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Serialization;
using Tailor.Tensors;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Models.Functional;

/// <summary>
/// Functional models: the notebook's CNN written on the functional API trains bit for bit as the Sequential one;
/// a two-input model, a model with a shared layer and a model used as a layer give the gradients of finite
/// differences (or of the same model written flat); the graph errors are one line each.
/// </summary>
public sealed class FunctionalModelTests
{
    private const int Batch = 4;

    /// <summary>The Sequential model's layers called in a chain on an Input: its functional form, each layer made anew from its config.</summary>
    internal static Model FunctionalForm(Sequential sequential)
    {
        var input = new Input(sequential.InputShape.ToArray());
        SymbolicTensor x = input;
        foreach (var layer in sequential.Layers)
            x = LayerRegistry.Create(new LayerConfig(layer.TypeName, JsonSerializer.SerializeToElement(layer.GetConfig()), "(in memory)")).Call(x);
        return new Model(input, x, name: sequential.Name, seed: sequential.Seed);
    }

    [Theory]
    [InlineData(NotebookModel.Cnn)]
    [InlineData(NotebookModel.CnnDropout)]
    public void The_notebook_cnn_on_the_functional_api_trains_bit_for_bit_as_the_sequential_one(NotebookModel kind)
    {
        var sequential = NotebookModels.Create(kind, seed: 7);
        var functional = FunctionalForm(sequential);
        Assert.Equal(sequential.GetWeights(), functional.GetWeights());
        Assert.Equal(sequential.Layers.Select(l => l.Name), functional.Layers.Select(l => l.Name));
        var (x, y, _) = SyntheticData.Images(80, 28, 28, 10, seed: 3);

        var histories = new List<History>();
        foreach (var model in new Model[] { sequential, functional })
        {
            model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
            histories.Add(model.Fit(x, y, epochs: 2, batchSize: 16, validationSplit: 0.25, seed: 11, verbose: 0));
        }

        Assert.Equal(sequential.GetWeights(), functional.GetWeights());
        Assert.Equal(histories[0]["loss"], histories[1]["loss"]);
        Assert.Equal(histories[0]["val_accuracy"], histories[1]["val_accuracy"]);
        Assert.Equal(sequential.Predict(x).Span.ToArray(), functional.Predict(x).Span.ToArray());
    }

    [Fact]
    public void Sharded_training_of_a_residual_model_is_the_whole_batch_with_one_shard_and_the_same_on_any_order()
    {
        // With dropout (a shared Dropout: its twin keys its own draws) for the shard order; without, to compare with the whole batch,
        // whose masks come from the running stream rather than keyed by shard.
        bool dropout = false;
        Model Residual()
        {
            var input = new Input([6]);
            var shared = new Dense(6, Activation.Tanh);
            var drop = new Tailor.Layers.Regularization.Dropout(0.3f);
            var block = new Add().Call(input, dropout ? drop.Call(shared.Call(drop.Call(shared.Call(input)))) : shared.Call(shared.Call(input)));
            var model = new Model(input, new Dense(3, Activation.Softmax).Call(block), seed: 4);
            model.Compile("adam", "categorical_crossentropy", "accuracy");
            return model;
        }
        var rng = new Rng(5);
        var x = new Tensor(RandomData.Uniform(rng, 40 * 6), 40, 6);
        var y = new Tensor([.. Enumerable.Range(0, 40 * 3).Select(i => i % 3 == i / 3 % 3 ? 1f : 0f)], 40, 3);
        var whole = Residual();
        var oneShard = Residual();

        whole.Fit(x, y, epochs: 2, batchSize: 8, seed: 6, verbose: 0);
        oneShard.Fit(x, y, epochs: 2, batchSize: 8, seed: 6, verbose: 0, shards: 1);
        dropout = true;
        var threeShards = Residual();
        var step = new ShardedGradientProbe(3);
        new Tailor.Models.Training.Trainer(threeShards) { GradientStep = step.Step }.Fit(new Tailor.Models.Training.TensorBatchSource(x, y),
            new Tailor.Models.Training.FitOptions { Epochs = 2, BatchSize = 8, Seed = 6, Verbose = 0 });
        var reversed = Residual();
        var reversedStep = new ShardedGradientProbe(3, reverse: true);
        new Tailor.Models.Training.Trainer(reversed) { GradientStep = reversedStep.Step }.Fit(new Tailor.Models.Training.TensorBatchSource(x, y),
            new Tailor.Models.Training.FitOptions { Epochs = 2, BatchSize = 8, Seed = 6, Verbose = 0 });

        Assert.Equal(whole.GetWeights(), oneShard.GetWeights());
        Assert.Equal(threeShards.GetWeights(), reversed.GetWeights());
        Assert.NotEqual(whole.GetWeights(), threeShards.GetWeights());
    }

    /// <summary>A ShardedGradient, computing its shards in reverse order when asked (the order must not matter).</summary>
    private sealed class ShardedGradientProbe(int shards, bool reverse = false)
    {
        public Tailor.Models.Training.ShardedGradient Step { get; } = new(shards) { Reverse = reverse };
    }

    /// <summary>Random weights and one-hot targets of <paramref name="classes"/> classes for <see cref="Batch"/> samples.</summary>
    private static Tensor Prepare(Model model, int classes, Rng rng)
    {
        model.Compile(new Sgd(), Tailor.Losses.Loss.Parse("categorical_crossentropy"));
        foreach (var p in model.Parameters) RandomData.Uniform(rng, p.Value.Length, -0.5f, 0.5f).CopyTo(p.Value.Span);
        var y = new float[Batch * classes];
        for (int n = 0; n < Batch; n++) y[n * classes + rng.NextInt(classes)] = 1;
        return new Tensor(y, Batch, classes);
    }

    /// <summary>Every parameter's gradient against central differences of <paramref name="reference"/> (the loss from the parameters' doubles).</summary>
    private static void AssertGradientsMatch(Model model, Func<double[][], double> reference, float loss)
    {
        var pd = model.Parameters.Select(p => RandomData.ToDouble(p.Value.Span)).ToArray();
        var comparisons = new List<Comparison>
        {
            Comparison.Of("loss", [loss], [reference(pd)], LayerGradientCheck.ForwardTolerance),
        };
        for (int i = 0; i < pd.Length; i++)
            comparisons.Add(Comparison.Of($"{model.Parameters[i].Name} {i} gradient", model.Parameters[i].Gradient.Span,
                FiniteDifference.Gradient(() => reference(pd), pd[i]), LayerGradientCheck.GradientTolerance));
        Assert.True(comparisons.All(c => c.Passed), string.Join(Environment.NewLine, comparisons));
    }

    private static int IndexOf(Model model, string layer) => model.Parameters.ToList().IndexOf(model.Layers.Single(l => l.Name == layer).Parameters[0]);

    [Fact]
    public void A_two_input_model_gives_the_gradients_of_finite_differences()
    {
        var left = new Input([4], "left_in");
        var right = new Input([5], "right_in");
        var a = new Dense(3, Activation.Tanh, name: "left").Call(left);
        var b = new Dense(2, Activation.Sigmoid, name: "right").Call(right);
        var joined = new Concatenate(name: "joined").Call(a, b);
        var output = new Dense(3, Activation.Softmax, name: "head").Call(new Add(name: "sum").Call(joined, new Dense(5, Activation.Tanh, name: "side").Call(right)));
        var model = new Model([left, right], [output], seed: 1);
        var rng = new Rng(2);
        var y = Prepare(model, 3, rng);
        var x1 = RandomData.Uniform(rng, Batch * 4);
        var x2 = RandomData.Uniform(rng, Batch * 5);

        float loss = model.ComputeGradients([new Tensor(x1, Batch, 4), new Tensor(x2, Batch, 5)], y);

        var (d1, d2, yd) = (RandomData.ToDouble(x1), RandomData.ToDouble(x2), RandomData.ToDouble(y.Span));
        int l = IndexOf(model, "left"), r = IndexOf(model, "right"), s = IndexOf(model, "side"), h = IndexOf(model, "head");
        AssertGradientsMatch(model, p =>
        {
            var av = LayerReference.Dense(d1, Batch, p[l], p[l + 1], 3, Activation.Tanh).Values;
            var bv = LayerReference.Dense(d2, Batch, p[r], p[r + 1], 2, Activation.Sigmoid).Values;
            var sv = LayerReference.Dense(d2, Batch, p[s], p[s + 1], 5, Activation.Tanh).Values;
            var sum = new double[Batch * 5];
            for (int n = 0; n < Batch; n++)
                for (int j = 0; j < 5; j++) sum[n * 5 + j] = (j < 3 ? av[n * 3 + j] : bv[n * 2 + j - 3]) + sv[n * 5 + j];
            return LossReference.CategoricalCrossentropy(LayerReference.Dense(sum, Batch, p[h], p[h + 1], 3, Activation.Softmax).Values, yd, Batch);
        }, loss);
    }

    [Fact]
    public void A_shared_layer_gives_the_gradient_of_both_its_calls()
    {
        var input = new Input([4]);
        var shared = new Dense(4, Activation.Tanh, name: "shared");
        var once = shared.Call(input);
        var twice = shared.Call(once);
        var output = new Dense(2, Activation.Softmax, name: "head").Call(new Multiply().Call(once, twice));
        var model = new Model(input, output, seed: 1);
        Assert.Equal(["shared", "multiply", "head"], model.Layers.Select(l => l.Name));
        Assert.Equal(4 * 4 + 4 + 4 * 2 + 2, model.ParameterCount);
        var rng = new Rng(4);
        var y = Prepare(model, 2, rng);
        var x = RandomData.Uniform(rng, Batch * 4);

        float loss = model.ComputeGradients(new Tensor(x, Batch, 4), y);

        var (xd, yd) = (RandomData.ToDouble(x), RandomData.ToDouble(y.Span));
        AssertGradientsMatch(model, p =>
        {
            var h1 = LayerReference.Dense(xd, Batch, p[0], p[1], 4, Activation.Tanh).Values;
            var h2 = LayerReference.Dense(h1, Batch, p[0], p[1], 4, Activation.Tanh).Values;
            var product = h1.Zip(h2, (u, v) => u * v).ToArray();
            return LossReference.CategoricalCrossentropy(LayerReference.Dense(product, Batch, p[2], p[3], 2, Activation.Softmax).Values, yd, Batch);
        }, loss);
    }

    [Fact]
    public void A_model_used_as_a_layer_trains_as_the_same_layers_written_flat()
    {
        var innerInput = new Input([5]);
        var inner = new Model(innerInput, new Dense(3, Activation.Tanh, name: "inner_dense").Call(new Dense(5, Activation.Relu, name: "inner_first").Call(innerInput)), name: "block", seed: 2);
        var input = new Input([4]);
        var nested = new Model(input, new Dense(2, Activation.Softmax, name: "head").Call(inner.Call(new Dense(5, Activation.Tanh, name: "stem").Call(input))), seed: 1);
        var flatInput = new Input([4]);
        var flat = new Model(flatInput, new Dense(2, Activation.Softmax, name: "head").Call(new Dense(3, Activation.Tanh, name: "inner_dense").Call(
            new Dense(5, Activation.Relu, name: "inner_first").Call(new Dense(5, Activation.Tanh, name: "stem").Call(flatInput)))), seed: 1);
        Assert.Equal(["stem", "block", "head"], nested.Layers.Select(l => l.Name));
        Assert.Equal(flat.ParameterCount, nested.ParameterCount);
        var rng = new Rng(6);
        var y = Prepare(nested, 2, rng);
        flat.Compile(new Sgd(), Tailor.Losses.Loss.Parse("categorical_crossentropy"));
        // The nested model lists its parameters as stem, block (inner_first, inner_dense), head: the flat model's order.
        flat.SetWeights(nested.GetWeights());
        var x = new Tensor(RandomData.Uniform(rng, Batch * 4), Batch, 4);

        Assert.Equal(flat.ComputeGradients(x, y), nested.ComputeGradients(x, y));
        Assert.Equal(flat.Parameters.Select(p => p.Gradient.Span.ToArray()), nested.Parameters.Select(p => p.Gradient.Span.ToArray()));
        Assert.Contains("block (Functional)", nested.Summary());
    }

    [Fact]
    public void A_model_of_two_outputs_predicts_both()
    {
        var input = new Input([3]);
        var hidden = new Dense(4, Activation.Relu).Call(input);
        var first = new Dense(2).Call(hidden);
        var second = new Dense(5, Activation.Sigmoid).Call(hidden);
        var model = new Model([input], [first, second], seed: 3);
        var x = new Tensor(RandomData.Uniform(new Rng(1), 7 * 3), 7, 3);

        var outputs = model.Predict([x], batchSize: 3);

        Assert.Equal([[7, 2], [7, 5]], outputs.Select(o => o.Shape.ToArray()));
        Assert.Equal([[2], [5]], model.OutputShapes);
        var whole = model.Predict([x], batchSize: 7);
        Assert.Equal(whole.Select(o => o.Span.ToArray()), outputs.Select(o => o.Span.ToArray()));
        Assert.Contains("has 2 outputs", Assert.Throws<ArgumentException>(() =>
        {
            model.Compile("sgd", "mean_squared_error");
            model.Fit(x, new Tensor(new float[14], 7, 2), verbose: 0);
        }).Message);
    }
}
