using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Models;

namespace Tailor.Tests.Models;

/// <summary>The two models of the Fashion-MNIST notebook.</summary>
internal static class NotebookModels
{
    public static Sequential Cnn(ulong seed = 0) => new(
    [
        new Conv2D(32, 3, activation: Activation.Relu),
        new MaxPooling2D(2),
        new Conv2D(64, 3, activation: Activation.Relu),
        new MaxPooling2D(2),
        new Conv2D(64, 3, activation: Activation.Relu),
        new Flatten(),
        new Dense(64, Activation.Relu),
        new Dense(10, Activation.Softmax),
    ], seed: seed);

    public static Sequential Dense(ulong seed = 0) => new(
    [
        new Flatten(),
        new Dense(128, Activation.Relu),
        new Dense(64, Activation.Relu),
        new Dense(10, Activation.Softmax),
    ], seed: seed);
}
