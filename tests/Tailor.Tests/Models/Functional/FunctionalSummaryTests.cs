using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Models;

namespace Tailor.Tests.Models.Functional;

/// <summary>A functional model's summary in Keras 2's layout, against a fixture written from Keras's format (see Fixtures/README.md).</summary>
public sealed class FunctionalSummaryTests
{
    /// <summary>The toy ResNet of Keras's functional API guide: two residual blocks of two 3x3 convolutions and an Add.</summary>
    internal static Model ToyResNet(ulong seed = 0)
    {
        var inputs = new Input([32, 32, 3], "img");
        var x = new Conv2D(32, 3, activation: Activation.Relu).Call(inputs);
        x = new Conv2D(64, 3, activation: Activation.Relu).Call(x);
        var block1 = new MaxPooling2D(3).Call(x);
        x = new Conv2D(64, 3, padding: Padding.Same, activation: Activation.Relu).Call(block1);
        x = new Conv2D(64, 3, padding: Padding.Same, activation: Activation.Relu).Call(x);
        var block2 = new Add().Call(x, block1);
        x = new Conv2D(64, 3, padding: Padding.Same, activation: Activation.Relu).Call(block2);
        x = new Conv2D(64, 3, padding: Padding.Same, activation: Activation.Relu).Call(x);
        var block3 = new Add().Call(x, block2);
        x = new Conv2D(64, 3, activation: Activation.Relu).Call(block3);
        x = new GlobalAveragePooling2D().Call(x);
        x = new Dense(256, Activation.Relu).Call(x);
        x = new Dropout(0.5f).Call(x);
        var outputs = new Dense(10).Call(x);
        return new Model(inputs, outputs, name: "toy_resnet", seed: seed);
    }

    [Fact]
    public void The_toy_resnet_prints_as_keras_prints_it()
    {
        string expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "toy_resnet_summary.txt"));

        string actual = ToyResNet().Summary();

        Assert.Equal(expected.TrimEnd().Split('\n'), actual.Replace("\r", "").TrimEnd().Split('\n'));
        Assert.Equal(223_242, ToyResNet().ParameterCount);
    }

    [Fact]
    public void A_shared_layer_is_one_row_listing_every_call()
    {
        var input = new Input([4], "x");
        var shared = new Dense(4, name: "shared");
        var output = new Add().Call(shared.Call(input), shared.Call(shared.Call(input)));

        string summary = new Model(input, output).Summary();

        // Calls in running order: shared on x (call 0), shared on x again (1), shared on that (2); Add reads calls 0 and 2.
        var lines = summary.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int row = lines.FindIndex(l => l.StartsWith(" shared (Dense)", StringComparison.Ordinal));
        Assert.Equal(" shared (Dense)                 (None, 4)            20          ['x[0][0]',", lines[row]);
        Assert.Equal(new string(' ', 66) + "'x[0][0]',", lines[row + 1]);
        Assert.Equal(new string(' ', 66) + "'shared[1][0]']", lines[row + 2]);
        Assert.Contains(" add (Add)                      (None, 4)            0           ['shared[0][0]',", lines);
        Assert.Contains(new string(' ', 66) + "'shared[2][0]']", lines);
    }
}
