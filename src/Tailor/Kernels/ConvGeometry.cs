namespace Tailor.Kernels;

/// <summary>Padding modes with Keras's meaning: valid keeps only full windows, same pads to ceil(in / stride).</summary>
public enum Padding { Valid, Same }

/// <summary>Sizes of a 2D sliding window over an NHWC input (convolution or pooling).</summary>
public readonly record struct ConvGeometry(
    int Height, int Width, int Channels,
    int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft,
    int OutHeight, int OutWidth)
{
    public static ConvGeometry Create(int height, int width, int channels, int kernelHeight, int kernelWidth,
        int strideHeight, int strideWidth, Padding padding)
    {
        var (outH, padTop) = Axis(height, kernelHeight, strideHeight, padding);
        var (outW, padLeft) = Axis(width, kernelWidth, strideWidth, padding);
        return new ConvGeometry(height, width, channels, kernelHeight, kernelWidth, strideHeight, strideWidth,
            padTop, padLeft, outH, outW);
    }

    /// <summary>Output length and leading pad of one axis, as Keras/TensorFlow compute them.</summary>
    public static (int Out, int PadBefore) Axis(int size, int kernel, int stride, Padding padding)
    {
        if (padding == Padding.Valid) return ((size - kernel) / stride + 1, 0);
        int outSize = (size + stride - 1) / stride;
        int padTotal = Math.Max((outSize - 1) * stride + kernel - size, 0);
        return (outSize, padTotal / 2);
    }

    /// <summary>Values in one im2col row: a window across all channels.</summary>
    public int PatchLength => KernelHeight * KernelWidth * Channels;

    public int InputLength => Height * Width * Channels;

    public int OutputPositions => OutHeight * OutWidth;
}
