using Tailor.Kernels;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Merging;
using Tailor.Layers.Normalization;
using Tailor.Layers.Pooling;
using Tailor.Regularizers;

namespace Tailor.Models;

/// <summary>
/// A small pre-activation ResNet (He et al., "Identity Mappings in Deep Residual Networks", 2016) on the
/// functional API, sized for 28x28 greyscale images on two CPU cores: a 3x3 stem convolution of 16 filters,
/// three stages of one basic block each (16, 32, 64 filters; the second and third halve the image with a
/// stride of 2), BatchNormalization and ReLU, global average pooling and a softmax over the classes.
/// </summary>
/// <remarks>
/// A pre-activation block runs BN-ReLU-conv twice and adds its input unchanged, so the identity path from the
/// stem to the head carries no non-linearity; where a block changes the shape, a 1x1 convolution with the
/// block's stride projects the pre-activated input onto the new shape instead.
/// </remarks>
public static class ResidualNetwork
{
    /// <summary>Filters of the three stages; the stem has the first stage's.</summary>
    public static IReadOnlyList<int> StageFilters { get; } = [16, 32, 64];

    /// <summary>
    /// The built, uncompiled network for images of <paramref name="imageShape"/> (height, width, channels) and
    /// <paramref name="classes"/> outputs, its weights drawn from <paramref name="seed"/>; <paramref name="kernelRegularizer"/>
    /// penalises every convolution and the dense kernel.
    /// </summary>
    public static Model Create(ReadOnlySpan<int> imageShape, int classes, ulong seed = 0, Regularizer? kernelRegularizer = null)
    {
        if (imageShape.Length != 3 || imageShape[0] <= 0 || imageShape[1] <= 0 || imageShape[2] <= 0)
            throw new ArgumentException($"An image shape is (height, width, channels), all positive; received {Tensors.Tensor.Format(imageShape)}.", nameof(imageShape));
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), $"A classifier needs at least 2 classes, received {classes}.");
        var inputs = new Input([.. imageShape], "image");
        var x = new Conv2D(StageFilters[0], 3, padding: Padding.Same, useBias: false, kernelRegularizer: kernelRegularizer).Call(inputs);
        for (int stage = 0; stage < StageFilters.Count; stage++)
            x = Block(x, StageFilters[stage], stride: stage == 0 ? 1 : 2, kernelRegularizer);
        x = PreActivation(x);
        x = new GlobalAveragePooling2D().Call(x);
        var outputs = new Dense(classes, Activation.Softmax, kernelRegularizer: kernelRegularizer).Call(x);
        return new Model(inputs, outputs, name: "resnet", seed: seed);
    }

    /// <summary>One pre-activation basic block: BN-ReLU-conv3x3 (stride), BN-ReLU-conv3x3, added to the shortcut.</summary>
    private static SymbolicTensor Block(SymbolicTensor x, int filters, int stride, Regularizer? r)
    {
        var activated = PreActivation(x);
        bool sameShape = stride == 1 && x.Shape[^1] == filters;
        var shortcut = sameShape ? x : new Conv2D(filters, 1, strides: stride, useBias: false, kernelRegularizer: r).Call(activated);
        var y = new Conv2D(filters, 3, strides: stride, padding: Padding.Same, useBias: false, kernelRegularizer: r).Call(activated);
        y = new Conv2D(filters, 3, padding: Padding.Same, useBias: false, kernelRegularizer: r).Call(PreActivation(y));
        return new Add().Call(shortcut, y);
    }

    // PyTorch's BN momentum (0.1 of each batch, Keras's 0.9): Keras's 0.99 lags behind over runs of a few hundred steps.
    private static SymbolicTensor PreActivation(SymbolicTensor x) =>
        new ActivationLayer(Activation.Relu).Call(new BatchNormalization(momentum: 0.9f).Call(x));
}
