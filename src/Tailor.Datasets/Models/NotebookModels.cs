using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Normalization;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Regularizers;

namespace Tailor.Models;

/// <summary>The three models of the Zalando Fashion-MNIST notebook, and a sequence convnet beside them.</summary>
public enum NotebookModel
{
    /// <summary>784-128-64-10 on flattened images.</summary>
    Dense,
    /// <summary>Three 3x3 convolutions (32, 64, 64 filters) with 2x2 max pooling, then 64-10.</summary>
    Cnn,
    /// <summary>The CNN with Dropout(0.5) before its dense head.</summary>
    CnnDropout,
    /// <summary>
    /// Not in the notebook: each image read as a sequence of 28 rows of 28 pixels, through four 1D
    /// convolutions of width 5 along the rows (64, 64, 128, 128 filters, each pair followed by max
    /// pooling), global average pooling over the rows and a 64-10 dense head.
    /// </summary>
    Conv1D,
    /// <summary>
    /// Not in the notebook: the CNN with BatchNormalization between each convolution (without bias) and its
    /// ReLU, as Ioffe and Szegedy place it; a model whose layers keep non-trainable state.
    /// </summary>
    CnnBatchNorm,
    /// <summary>Not in the notebook: a small pre-activation ResNet on the functional API (see <see cref="ResidualNetwork"/>).</summary>
    ResNet,
    /// <summary>
    /// Not in the notebook: a VGG-style network (Simonyan and Zisserman, 2014) sized for the record on two CPU cores:
    /// two stages of two 3x3 "same" convolutions (32, then 64 filters), each with BatchNormalization and ReLU and
    /// ended by 2x2 max pooling, then Dropout(0.25), a 256-unit dense layer, Dropout(0.5) and the softmax.
    /// </summary>
    Vgg,
}

public static class NotebookModels
{
    public static readonly IReadOnlyDictionary<string, NotebookModel> Names = new Dictionary<string, NotebookModel>
    {
        ["dense"] = NotebookModel.Dense, ["cnn"] = NotebookModel.Cnn, ["cnn-dropout"] = NotebookModel.CnnDropout,
        ["conv1d"] = NotebookModel.Conv1D, ["cnn-bn"] = NotebookModel.CnnBatchNorm,
        ["resnet"] = NotebookModel.ResNet, ["vgg"] = NotebookModel.Vgg,
    };

    public static NotebookModel Parse(string name)
    {
        if (name != null && Names.TryGetValue(name.Trim().ToLowerInvariant(), out var model)) return model;
        throw new ArgumentException($"Unknown model '{name}'. Valid models: {string.Join(", ", Names.Keys)}.");
    }

    public static string CliName(this NotebookModel model) => Names.First(p => p.Value == model).Key;

    /// <summary>The notebook's title for the model.</summary>
    public static string Title(this NotebookModel model) => model switch
    {
        NotebookModel.Dense => "Dense baseline",
        NotebookModel.Cnn => "Convolutional network",
        NotebookModel.CnnDropout => "Convolutional network with dropout",
        NotebookModel.CnnBatchNorm => "Convolutional network with batch normalization",
        NotebookModel.ResNet => "Pre-activation residual network",
        NotebookModel.Vgg => "VGG-style network",
        _ => "1D convolutional network over image rows",
    };

    /// <summary>Per-sample input: flat 784 values for the dense model (as the notebook reshapes), 28x28x1 images otherwise.</summary>
    public static int[] InputShape(this NotebookModel model) => model.InputShape(FashionImage);

    /// <summary>Per-sample input for images of <paramref name="imageShape"/> (height, width, channels): flat for the dense model.</summary>
    public static int[] InputShape(this NotebookModel model, ReadOnlySpan<int> imageShape)
    {
        if (imageShape.Length != 3 || imageShape[0] <= 0 || imageShape[1] <= 0 || imageShape[2] <= 0)
            throw new ArgumentException($"An image shape is (height, width, channels), all positive; received {Tensors.Tensor.Format(imageShape)}.", nameof(imageShape));
        return model == NotebookModel.Dense ? [imageShape[0] * imageShape[1] * imageShape[2]] : [.. imageShape];
    }

    /// <summary>Fashion-MNIST's image shape, (28, 28, 1).</summary>
    public static ReadOnlySpan<int> FashionImage => [28, 28, 1];

    /// <summary>The batch sizes of the notebook's runs (and of the PyTorch peer).</summary>
    public static int DefaultBatchSize(this NotebookModel model) => model == NotebookModel.Dense ? 128 : 64;

    /// <summary>
    /// Any of the models, built and uncompiled, as a <see cref="Model"/>: the functional ResNet or one of the
    /// <see cref="Sequential"/> stacks of <see cref="Create(NotebookModel, ReadOnlySpan{int}, int, ulong, Regularizer?)"/>.
    /// </summary>
    public static Model CreateModel(NotebookModel model, ReadOnlySpan<int> imageShape, int classes, ulong seed = 0, Regularizer? kernelRegularizer = null) =>
        model == NotebookModel.ResNet ? ResidualNetwork.Create(imageShape, classes, seed, kernelRegularizer) : Create(model, imageShape, classes, seed, kernelRegularizer);

    /// <summary><see cref="CreateModel(NotebookModel, ReadOnlySpan{int}, int, ulong, Regularizer?)"/> for Fashion-MNIST's images and ten classes.</summary>
    public static Model CreateModel(NotebookModel model, ulong seed = 0, Regularizer? kernelRegularizer = null) =>
        CreateModel(model, FashionImage, 10, seed, kernelRegularizer);

    /// <summary>
    /// A built, uncompiled model with weights drawn from <paramref name="seed"/>; <paramref name="kernelRegularizer"/>,
    /// when given, penalises the kernel of every convolution and dense layer (biases are left free, as is usual).
    /// </summary>
    public static Sequential Create(NotebookModel model, ulong seed = 0, Regularizer? kernelRegularizer = null) =>
        Create(model, FashionImage, 10, seed, kernelRegularizer);

    /// <summary>
    /// The model for images of <paramref name="imageShape"/> (height, width, channels) and
    /// <paramref name="classes"/> outputs, as Keras adapts a model's input and output layers to other data:
    /// the layers between stay the notebook's. Images too small for the convolutions are refused, naming the layer.
    /// </summary>
    public static Sequential Create(NotebookModel model, ReadOnlySpan<int> imageShape, int classes, ulong seed = 0, Regularizer? kernelRegularizer = null)
    {
        if (model == NotebookModel.ResNet)
            throw new ArgumentException("The ResNet is a functional model, not a Sequential stack: create it with NotebookModels.CreateModel or ResidualNetwork.Create.", nameof(model));
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), $"A classifier needs at least 2 classes, received {classes}.");
        int[] input = model.InputShape(imageShape);
        int height = imageShape[0], rowLength = imageShape[1] * imageShape[2];
        var r = kernelRegularizer;
        var m = new Sequential(seed: seed);
        if (model == NotebookModel.Dense)
        {
            m.Add(new Dense(128, Activation.Relu, kernelRegularizer: r));
            m.Add(new Dense(64, Activation.Relu, kernelRegularizer: r));
            m.Add(new Dense(classes, Activation.Softmax, kernelRegularizer: r));
        }
        else if (model == NotebookModel.Conv1D)
        {
            // A 28 x 28 image as 28 steps (rows) of 28 features (the pixels of a row, times its channels).
            // Width-5 kernels give the last convolution a window over the whole image, which the global average then pools.
            m.Add(new Reshape(height, rowLength));
            m.Add(new Conv1D(64, 5, padding: Padding.Same, activation: Activation.Relu));
            m.Add(new Conv1D(64, 5, padding: Padding.Same, activation: Activation.Relu));
            m.Add(new MaxPooling1D(2));
            m.Add(new Conv1D(128, 5, padding: Padding.Same, activation: Activation.Relu));
            m.Add(new Conv1D(128, 5, padding: Padding.Same, activation: Activation.Relu));
            m.Add(new MaxPooling1D(2));
            m.Add(new GlobalAveragePooling1D());
            m.Add(new Dense(64, Activation.Relu));
            m.Add(new Dense(classes, Activation.Softmax));
        }
        else if (model == NotebookModel.CnnBatchNorm)
        {
            int[] filters = [32, 64, 64];
            for (int i = 0; i < filters.Length; i++)
            {
                m.Add(new Conv2D(filters[i], 3, useBias: false, kernelRegularizer: r));
                // PyTorch's momentum (0.1 of each batch): Keras's 0.99 lags over short runs of a few hundred steps
                // (validation accuracy 0.12 after the first epoch on the 10,000-image sample).
                m.Add(new BatchNormalization(momentum: 0.9f));
                m.Add(new ActivationLayer(Activation.Relu));
                if (i < 2) m.Add(new MaxPooling2D(2)); // as the CNN: pooling after the first two
            }
            m.Add(new Flatten());
            m.Add(new Dense(64, Activation.Relu, kernelRegularizer: r));
            m.Add(new Dense(classes, Activation.Softmax, kernelRegularizer: r));
        }
        else if (model == NotebookModel.Vgg)
        {
            foreach (int filters in (ReadOnlySpan<int>)[32, 64])
            {
                for (int i = 0; i < 2; i++)
                {
                    m.Add(new Conv2D(filters, 3, padding: Padding.Same, useBias: false, kernelRegularizer: r));
                    m.Add(new BatchNormalization(momentum: 0.9f)); // PyTorch's momentum, as cnn-bn's
                    m.Add(new ActivationLayer(Activation.Relu));
                }
                m.Add(new MaxPooling2D(2));
            }
            m.Add(new Flatten());
            m.Add(new Dropout(0.25f));
            m.Add(new Dense(256, Activation.Relu, kernelRegularizer: r));
            m.Add(new Dropout(0.5f));
            m.Add(new Dense(classes, Activation.Softmax, kernelRegularizer: r));
        }
        else
        {
            m.Add(new Conv2D(32, 3, activation: Activation.Relu, kernelRegularizer: r));
            m.Add(new MaxPooling2D(2));
            m.Add(new Conv2D(64, 3, activation: Activation.Relu, kernelRegularizer: r));
            m.Add(new MaxPooling2D(2));
            m.Add(new Conv2D(64, 3, activation: Activation.Relu, kernelRegularizer: r));
            m.Add(new Flatten());
            if (model == NotebookModel.CnnDropout) m.Add(new Dropout(0.5f));
            m.Add(new Dense(64, Activation.Relu, kernelRegularizer: r));
            m.Add(new Dense(classes, Activation.Softmax, kernelRegularizer: r));
        }
        m.Build(input);
        return m;
    }
}
