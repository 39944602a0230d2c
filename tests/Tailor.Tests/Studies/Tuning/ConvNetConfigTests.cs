using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Regularization;
using Tailor.Models;
using Tailor.Studies.Tuning;

namespace Tailor.Tests.Studies.Tuning;

public sealed class ConvNetConfigTests
{
    [Fact]
    public void The_default_configuration_is_the_notebook_s_cnn_with_dropout_layer_for_layer_and_weight_for_weight()
    {
        var built = ConvNetConfig.NotebookCnnWithDropout.Build(seed: 7);
        var notebook = NotebookModels.Create(NotebookModel.CnnDropout, seed: 7);

        Assert.Equal(notebook.Summary(), built.Summary());
        Assert.Equal(93_322, built.ParameterCount);
        Assert.Equal(notebook.Layers.Select(l => l.GetConfig().Where(p => p.Key != "name").Select(p => $"{p.Key}={Format(p.Value)}")),
            built.Layers.Select(l => l.GetConfig().Where(p => p.Key != "name").Select(p => $"{p.Key}={Format(p.Value)}")));
        var a = notebook.GetWeights();
        var b = built.GetWeights();
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i]);
        var config = ConvNetConfig.NotebookCnnWithDropout;
        Assert.Equal(("rmsprop", 0.001f, 64), (config.Optimizer, config.LearningRate, config.BatchSize));
    }

    private static string Format(object? value) => value is Array array ? string.Join(",", array.Cast<object>()) : value?.ToString() ?? "null";

    [Fact]
    public void Every_field_shapes_the_model()
    {
        var config = new ConvNetConfig
        {
            ConvLayers = 2, Filters = 8, KernelSize = 5, Padding = Padding.Same, Activation = Activation.Elu,
            DenseLayers = 2, DenseUnits = 16, Dropout = 0, L2 = 0.001f,
        };

        var model = config.Build(seed: 1);

        var convs = model.Layers.OfType<Conv2D>().ToList();
        Assert.Equal([8, 16], convs.Select(c => c.Filters));
        Assert.All(convs, c => Assert.Equal(((5, 5), Padding.Same, Activation.Elu), (c.KernelSize, c.Padding, c.Activation)));
        Assert.All(convs, c => Assert.Equal(0.001f, c.KernelRegularizer!.L2));
        Assert.Empty(model.Layers.OfType<Dropout>());
        var dense = model.Layers.OfType<Dense>().ToList();
        Assert.Equal([16, 16, 10], dense.Select(d => d.Units));
        Assert.Equal(0.001f, dense[0].KernelRegularizer!.L2);
        Assert.Null(dense[^1].KernelRegularizer);
        Assert.Equal(Activation.Softmax, dense[^1].Activation);
        // Same padding keeps 28x28, pooled once to 14x14: 14 * 14 * 16 features into the first Dense.
        Assert.Equal(14 * 14 * 16, dense[0].InputShape[0]);
    }

    [Fact]
    public void A_configuration_that_does_not_fit_28x28_images_says_which_convolution_fails()
    {
        var config = new ConvNetConfig { ConvLayers = 3, KernelSize = 5, Padding = Padding.Valid };

        Assert.Contains("convolution 3 of 3", config.WhyItDoesNotFit());
        var e = Assert.Throws<ArgumentException>(() => config.Build(seed: 1));
        Assert.Contains("does not fit 28x28", e.Message);
        Assert.Null((config with { Padding = Padding.Same }).WhyItDoesNotFit());
    }
}
