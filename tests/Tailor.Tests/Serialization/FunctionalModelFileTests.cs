using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Layers.Normalization;
using Tailor.Layers.Regularization;
using Tailor.Models;
using Tailor.Serialization;
using Tailor.Tensors;
using Tailor.Tests.Callbacks;
using Tailor.Tests.Data;
using Tailor.Tests.Models;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Serialization;

/// <summary>
/// A functional model in its file: saved and loaded it is the same model to the bit (architecture, weights,
/// optimizer state, predictions), every merge layer included; a run interrupted, checkpointed and resumed from
/// the file ends bit for bit as one never interrupted.
/// </summary>
public sealed class FunctionalModelFileTests
{
    /// <summary>A small residual network: a convolution, a residual block (BatchNormalization, a shared 1x1 convolution, Add), Dropout and a softmax head.</summary>
    private static Model Residual(ulong seed = 5)
    {
        var input = new Input([8, 8, 1], "image");
        var stem = new Conv2D(4, 3, padding: Padding.Same, activation: Activation.Relu).Call(input);
        var shared = new Conv2D(4, 1, padding: Padding.Same, activation: Activation.Tanh, name: "shared");
        var branch = shared.Call(new BatchNormalization().Call(stem));
        var block = new Add().Call(stem, shared.Call(branch));
        var x = new Dropout(0.3f).Call(new Flatten().Call(block));
        var output = new Dense(3, Activation.Softmax).Call(x);
        var model = new Model(input, output, name: "residual", seed: seed);
        model.Compile("adam", "categorical_crossentropy", "accuracy");
        return model;
    }

    private static (Tensor X, Tensor Y) Data(ulong seed)
    {
        var (x, y, _) = SyntheticData.Images(40, 8, 8, 3, seed);
        return (x, y);
    }

    [Fact]
    public void A_trained_residual_model_saves_and_loads_to_the_same_bits()
    {
        var (x, y) = Data(1);
        var model = Residual();
        model.Fit(x, y, epochs: 1, batchSize: 8, seed: 2, verbose: 0);
        using var folder = new TempDirectory();

        model.Save(folder.File("a.safetensors"));
        var loaded = Model.Load(folder.File("a.safetensors"));
        loaded.Save(folder.File("b.safetensors"));

        Assert.Equal(File.ReadAllBytes(folder.File("a.safetensors")), File.ReadAllBytes(folder.File("b.safetensors")));
        Assert.Equal(model.Summary(), loaded.Summary());
        Assert.Equal(model.GetWeights(), loaded.GetWeights());
        Assert.Equal(model.Predict(x).Span.ToArray(), loaded.Predict(x).Span.ToArray());
        // Training goes on from the same optimizer state: one more epoch gives the same weights.
        model.Fit(x, y, epochs: 1, batchSize: 8, seed: 3, verbose: 0);
        loaded.Fit(x, y, epochs: 1, batchSize: 8, seed: 3, verbose: 0);
        Assert.Equal(model.GetWeights(), loaded.GetWeights());
    }

    public static TheoryData<string> Merges() => ["Add", "Subtract", "Multiply", "Average", "Maximum", "Concatenate"];

    [Theory]
    [MemberData(nameof(Merges))]
    public void Every_merge_layer_saves_and_loads_with_the_same_outputs(string name)
    {
        var a = new Input([6], "a");
        var b = new Input([6], "b");
        MultiInputLayer merge = name switch
        {
            "Add" => new Add(), "Subtract" => new Subtract(), "Multiply" => new Multiply(),
            "Average" => new Average(), "Maximum" => new Maximum(), _ => new Concatenate(axis: 1),
        };
        var merged = merge.Call(new Dense(6, Activation.Tanh).Call(a), b);
        var model = new Model([a, b], [new Dense(2).Call(new Flatten().Call(merged))], seed: 4);
        var rng = new Rng(8);
        Tensor[] inputs = [new(RandomData.Uniform(rng, 5 * 6), 5, 6), new(RandomData.Uniform(rng, 5 * 6), 5, 6)];
        using var folder = new TempDirectory();

        model.Save(folder.File("m.safetensors"));
        var loaded = Model.Load(folder.File("m.safetensors"));

        Assert.Equal(model.Summary(), loaded.Summary());
        Assert.Equal(merge.GetType(), loaded.Layers.Single(l => l is MultiInputLayer).GetType());
        Assert.Equal(model.Predict(inputs)[0].Span.ToArray(), loaded.Predict(inputs)[0].Span.ToArray());
    }

    [Fact]
    public void A_fit_interrupted_and_resumed_from_its_checkpoint_ends_as_one_never_interrupted()
    {
        var (x, y) = Data(6);
        var reference = Residual();
        var expected = reference.Fit(x, y, epochs: 3, batchSize: 8, validationSplit: 0.2, seed: 9, verbose: 0);
        using var folder = new TempDirectory();

        var stopped = Residual();
        stopped.Fit(x, y, epochs: 3, batchSize: 8, validationSplit: 0.2, seed: 9, verbose: 0, callbacks: [new InterruptAt(1, 1)]);
        CheckpointFile.Write(folder.Path, stopped, stopped.Interruption!);
        var checkpoint = CheckpointFile.ReadLatest(folder.Path);
        var resumed = checkpoint.Model;
        var actual = resumed.Fit(x, y, epochs: 3, batchSize: 8, validationSplit: 0.2, verbose: 0, resume: checkpoint.State);

        Assert.Equal((1, 2), (checkpoint.State.Epoch, checkpoint.State.Step));
        Assert.Equal(expected["loss"], actual["loss"]);
        Assert.Equal(expected["val_accuracy"], actual["val_accuracy"]);
        Assert.Equal(reference.GetWeights(), resumed.GetWeights());
    }

    [Fact]
    public void A_functional_file_read_as_sequential_and_a_nested_model_are_refused_in_one_line()
    {
        using var folder = new TempDirectory();
        Residual().Save(folder.File("f.safetensors"));

        var wrongKind = Assert.Throws<ModelFormatException>(() => Sequential.Load(folder.File("f.safetensors")));
        Assert.Contains("holds a functional model", wrongKind.Message);

        var inner = new Model(new Input([2]) is var i ? i : null!, new Dense(2).Call(i), name: "inner");
        var outer = new Input([2]);
        var nested = new Model(outer, inner.Call(outer), name: "outer");
        var refused = Assert.Throws<NotSupportedException>(() => nested.Save(folder.File("n.safetensors")));
        Assert.Equal("Model 'outer' holds model 'inner' as a layer; a file cannot hold a nested model yet. Save the inner model on its own.", refused.Message);
    }
}
