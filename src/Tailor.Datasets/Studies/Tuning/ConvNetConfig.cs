using System.Globalization;
using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Layers.Regularization;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Regularizers;

namespace Tailor.Studies.Tuning;

/// <summary>
/// A convnet and its training recipe as one record, the unit of a hyperparameter search. The layers
/// follow the notebook's CNN: <see cref="ConvLayers"/> convolutions with <see cref="Filters"/> filters in
/// the first and twice as many after it, 2x2 max pooling after every convolution but the last, Flatten,
/// Dropout (when the rate is above 0), <see cref="DenseLayers"/> hidden Dense layers, and a softmax
/// output. The L2 factor applies to the kernels of the convolutions and of the hidden Dense layers.
/// The defaults are the notebook's CNN with dropout, layer for layer.
/// </summary>
public sealed record ConvNetConfig
{
    public int ConvLayers { get; init; } = 3;
    public int Filters { get; init; } = 32;
    public int KernelSize { get; init; } = 3;
    public Padding Padding { get; init; } = Padding.Valid;
    public Activation Activation { get; init; } = Activation.Relu;
    public int DenseLayers { get; init; } = 1;
    public int DenseUnits { get; init; } = 64;
    public float Dropout { get; init; } = 0.5f;
    public float L2 { get; init; }
    public string Optimizer { get; init; } = "rmsprop";
    public float LearningRate { get; init; } = 0.001f;
    public int BatchSize { get; init; } = 64;

    /// <summary>The notebook's CNN with Dropout(0.5), RMSprop at 0.001, batch size 64.</summary>
    public static ConvNetConfig NotebookCnnWithDropout { get; } = new();

    public static readonly int[] InputShape = [28, 28, 1];

    /// <summary>The filters of convolution <paramref name="index"/> (0-based): as the notebook's 32, 64, 64.</summary>
    public int FiltersOf(int index) => index == 0 ? Filters : 2 * Filters;

    /// <summary>Null when the layers fit a 28x28 image; otherwise why not (e.g. three valid 5x5 convolutions shrink it to nothing).</summary>
    public string? WhyItDoesNotFit()
    {
        int size = InputShape[0];
        for (int i = 0; i < ConvLayers; i++)
        {
            int after = Padding == Padding.Same ? size : size - KernelSize + 1;
            if (after <= 0)
                return string.Create(CultureInfo.InvariantCulture,
                    $"convolution {i + 1} of {ConvLayers} ({KernelSize}x{KernelSize}, padding {Padding.ToString().ToLowerInvariant()}) receives a {size}x{size} map, smaller than its kernel");
            size = after;
            if (i < ConvLayers - 1)
            {
                if (size < 2)
                    return $"max pooling after convolution {i + 1} receives a {size}x{size} map";
                size /= 2;
            }
        }
        return null;
    }

    /// <summary>Throws an ArgumentException naming the field when a value is out of range or the layers do not fit 28x28 images.</summary>
    public void Validate()
    {
        if (ConvLayers < 1) throw new ArgumentException($"conv_layers must be at least 1, received {ConvLayers}.");
        if (Filters < 1) throw new ArgumentException($"filters must be at least 1, received {Filters}.");
        if (KernelSize < 1) throw new ArgumentException($"kernel_size must be at least 1, received {KernelSize}.");
        if (DenseLayers < 0) throw new ArgumentException($"dense_layers must be 0 or more, received {DenseLayers}.");
        if (DenseUnits < 1) throw new ArgumentException($"dense_units must be at least 1, received {DenseUnits}.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"dropout must be in [0, 1), received {Dropout}.");
        if (!(L2 >= 0) || float.IsInfinity(L2)) throw new ArgumentException($"l2 must be a non-negative number, received {L2}.");
        if (!(LearningRate > 0) || float.IsInfinity(LearningRate)) throw new ArgumentException($"learning_rate must be a positive number, received {LearningRate}.");
        if (BatchSize < 1) throw new ArgumentException($"batch_size must be at least 1, received {BatchSize}.");
        if (Activation == Activation.Softmax) throw new ArgumentException("activation 'softmax' is for the output layer only; choose a hidden-layer activation.");
        CreateOptimizer();
        if (WhyItDoesNotFit() is string why) throw new ArgumentException($"The configuration {Describe()} does not fit 28x28 images: {why}.");
    }

    public Optimizer CreateOptimizer() => Optimizers.Optimizer.Parse(Optimizer, LearningRate);

    /// <summary>The built, uncompiled model, weights drawn from <paramref name="seed"/>.</summary>
    public Sequential Build(ulong seed)
    {
        Validate();
        var regularizer = L2 > 0 ? Regularizer.L2Penalty(L2) : null;
        var model = new Sequential(seed: seed);
        for (int i = 0; i < ConvLayers; i++)
        {
            model.Add(new Conv2D(FiltersOf(i), KernelSize, padding: Padding, activation: Activation, kernelRegularizer: regularizer));
            if (i < ConvLayers - 1) model.Add(new MaxPooling2D(2));
        }
        model.Add(new Flatten());
        if (Dropout > 0) model.Add(new Dropout(Dropout));
        for (int i = 0; i < DenseLayers; i++) model.Add(new Dense(DenseUnits, Activation, kernelRegularizer: regularizer));
        model.Add(new Dense(10, Activation.Softmax));
        model.Build(InputShape);
        return model;
    }

    /// <summary>One line, e.g. "3 conv 32/64/64 3x3 valid relu, 1 dense 64, dropout 0.5, l2 0, rmsprop lr 0.001, batch 64".</summary>
    public string Describe()
    {
        string filters = string.Join('/', Enumerable.Range(0, Math.Max(ConvLayers, 0)).Select(FiltersOf));
        return string.Create(CultureInfo.InvariantCulture,
            $"{ConvLayers} conv {filters} {KernelSize}x{KernelSize} {Padding.ToString().ToLowerInvariant()} {Activation.KerasName()}, " +
            $"{DenseLayers} dense {DenseUnits}, dropout {Dropout:0.###}, l2 {L2:0.#####}, {Optimizer} lr {LearningRate:0.######}, batch {BatchSize}");
    }

    /// <summary>The configuration by the search space's key names, in their order, values as they are written in space.json.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> ToKeyValues() =>
    [
        new("conv_layers", ConvLayers), new("filters", Filters), new("kernel_size", KernelSize),
        new("padding", Padding.ToString().ToLowerInvariant()), new("activation", Activation.KerasName()),
        new("dense_layers", DenseLayers), new("dense_units", DenseUnits), new("dropout", Dropout), new("l2", L2),
        new("optimizer", Optimizer), new("learning_rate", LearningRate), new("batch_size", BatchSize),
    ];
}
