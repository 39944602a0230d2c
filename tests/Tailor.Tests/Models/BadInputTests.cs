using System.Text.RegularExpressions;
using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Tensors;

namespace Tailor.Tests.Models;

/// <summary>Errors name the layer (or loss), what was expected and what was received.</summary>
public class BadInputTests
{
    /// <summary>The notebook's CNN as the library ships it: built for (28, 28, 1) images.</summary>
    private static Sequential CompiledCnn(string loss = "categorical_crossentropy")
    {
        var model = NotebookModels.Create(NotebookModel.Cnn);
        model.Compile("rmsprop", loss, "accuracy");
        return model;
    }

    /// <summary>A convolution not yet built: the input shape comes from the first data it sees.</summary>
    private static Sequential UnbuiltConvnet() =>
        new([new Conv2D(32, 3, activation: Activation.Relu), new Flatten(), new Dense(10, Activation.Softmax)]);

    private static Tensor Zeros(params int[] shape) => new(shape);

    [Fact]
    public void Conv2D_on_flat_input_names_the_layer_and_the_shapes()
    {
        var model = UnbuiltConvnet();
        model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
        var e = Assert.Throws<ArgumentException>(() => model.Fit(Zeros(8, 784), Zeros(8, 10), verbose: 0));
        Assert.Contains("Conv2D 'conv2d'", e.Message);
        Assert.Contains("expects input of shape (None, height, width, channels)", e.Message);
        Assert.Contains("received shape (None, 784)", e.Message);
    }

    [Fact]
    public void Conv2D_on_images_without_a_channel_axis_suggests_adding_one()
    {
        var e = Assert.Throws<ArgumentException>(() => UnbuiltConvnet().Build(28, 28));
        Assert.Contains("Conv2D 'conv2d'", e.Message);
        Assert.Contains("(None, 28, 28)", e.Message);
        Assert.Contains("reshape images to (height, width, 1)", e.Message);
    }

    [Fact]
    public void A_built_model_given_flat_input_names_the_first_layer_and_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => CompiledCnn().Predict(Zeros(8, 784)));
        Assert.Contains("Conv2D 'conv2d' expects x of shape (None, 28, 28, 1), received (8, 784)", e.Message);
    }

    [Fact]
    public void Dense_after_Conv2D_without_Flatten_says_to_add_Flatten()
    {
        var model = new Sequential([new Conv2D(8, 3), new Dense(10, Activation.Softmax)]);
        var e = Assert.Throws<ArgumentException>(() => model.Build(28, 28, 1));
        Assert.Contains("Dense 'dense' expects input of shape (None, features), received shape (None, 26, 26, 8)", e.Message);
        Assert.Contains("Add a Flatten layer before it", e.Message);
    }

    [Fact]
    public void One_hot_labels_with_the_wrong_number_of_classes_name_the_loss_the_output_and_the_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => CompiledCnn().Fit(Zeros(8, 28, 28, 1), Zeros(8, 5), verbose: 0));
        Assert.Contains("categorical_crossentropy expects y with 10 values per sample", e.Message);
        Assert.Contains("Dense 'dense_1' (shape (None, 10))", e.Message);
        Assert.Contains("received y of shape (8, 5)", e.Message);
    }

    [Fact]
    public void Sparse_labels_beyond_the_classes_name_the_range_and_the_value()
    {
        var y = new Tensor([1f, 2f, 10f, 3f], 4);
        var e = Assert.Throws<ArgumentException>(() => CompiledCnn("sparse_categorical_crossentropy").Fit(Zeros(4, 28, 28, 1), y, verbose: 0, shuffle: false));
        Assert.Contains("sparse_categorical_crossentropy expects class indices in [0, 10), received 10 for sample 2", e.Message);
    }

    [Fact]
    public void Sparse_labels_given_as_one_hot_are_refused_with_a_hint()
    {
        var e = Assert.Throws<ArgumentException>(() => CompiledCnn("sparse_categorical_crossentropy").Fit(Zeros(8, 28, 28, 1), Zeros(8, 10), verbose: 0));
        Assert.Contains("expects y with 1 values per sample", e.Message);
        Assert.Contains("Pass class indices", e.Message);
    }

    [Fact]
    public void X_and_y_of_different_lengths_give_both_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => CompiledCnn().Fit(Zeros(8, 28, 28, 1), Zeros(7, 10), verbose: 0));
        Assert.Contains("x and y must hold the same number of samples: x has 8 ((8, 28, 28, 1)), y has 7 ((7, 10))", e.Message);

        var model = CompiledCnn();
        e = Assert.Throws<ArgumentException>(() => model.Fit(Zeros(8, 28, 28, 1), Zeros(8, 10), verbose: 0,
            validationData: (Zeros(4, 28, 28, 1), Zeros(3, 10))));
        Assert.Contains("validation x and validation y must hold the same number of samples", e.Message);

        e = Assert.Throws<ArgumentException>(() => model.Evaluate(Zeros(5, 28, 28, 1), Zeros(6, 10)));
        Assert.Contains("x has 5", e.Message);
        Assert.Contains("y has 6", e.Message);
    }

    [Fact]
    public void Training_an_uncompiled_model_says_to_compile()
    {
        var e = Assert.Throws<InvalidOperationException>(() => NotebookModels.Create(NotebookModel.Cnn).Fit(Zeros(8, 28, 28, 1), Zeros(8, 10), verbose: 0));
        Assert.Contains("must be compiled", e.Message);
    }

    [Fact]
    public void NaN_in_the_inputs_stops_Fit_naming_the_epoch_and_batch()
    {
        var (x, y, _) = SyntheticData.Images(64, 12, 12, 3, seed: 1);
        x.Span[40 * 144 + 17] = float.NaN; // sample 40: the third batch of 16
        var model = SmallDense();
        model.Compile(new Adam(), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        var e = Assert.Throws<TrainingDivergedException>(() => model.Fit(x, y, epochs: 2, batchSize: 16, shuffle: false, verbose: 0));
        Assert.Contains("The loss became NaN at epoch 1, batch 3 of 4", e.Message);
        // The step that met the NaN was not applied.
        Assert.All(model.Parameters, p => Assert.True(TensorIsFinite(p.Value), $"{p.Name} holds non-finite values"));
    }

    [Fact]
    public void A_huge_learning_rate_stops_Fit_naming_the_epoch_and_batch()
    {
        var (x, _, _) = SyntheticData.Images(64, 12, 12, 3, seed: 2);
        var targets = new Tensor(64, 3);
        targets.Span.Fill(1);
        var model = new Sequential([new Flatten(), new Dense(3)], seed: 3);
        model.Compile(new Sgd(learningRate: 1e3f), new Tailor.Losses.MeanSquaredError());
        var e = Assert.Throws<TrainingDivergedException>(() => model.Fit(x, targets, epochs: 50, batchSize: 16, verbose: 0));
        Assert.Matches(new Regex(@"^The loss became (NaN|Infinity|∞|-Infinity|-∞) at epoch \d+, batch [1-4] of 4\. Lower the learning rate"), e.Message);
    }

    [Fact]
    public void A_layer_is_refused_by_a_second_model_and_a_second_time_by_its_own()
    {
        var hidden = new Dense(16, Activation.Relu);
        var first = new Sequential([new Flatten(), hidden], name: "first");

        var e = Assert.Throws<ArgumentException>(() => new Sequential([new Flatten(), hidden], name: "second"));
        Assert.Equal("Dense 'dense' already belongs to model 'first'. A layer keeps its weights and buffers for one model: create another layer for model 'second'.", e.Message);
        e = Assert.Throws<ArgumentException>(() => first.Add(hidden));
        Assert.Equal("Model 'first' already has Dense 'dense'; a layer can appear once. Create another layer.", e.Message);
        Assert.Equal(2, first.Layers.Count);
    }

    internal static Sequential SmallDense() => new([new Flatten(), new Dense(16, Activation.Relu), new Dense(3, Activation.Softmax)], seed: 4);

    private static bool TensorIsFinite(Tensor t)
    {
        foreach (float v in t.Span) if (!float.IsFinite(v)) return false;
        return true;
    }
}
