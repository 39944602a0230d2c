namespace Tailor.Kernels;

/// <summary>
/// Padding modes with Keras's meaning: valid keeps only full windows, same pads to ceil(in / stride),
/// causal (Conv1D only) pads only before the sequence so that output t sees inputs up to t.
/// </summary>
public enum Padding { Valid, Same, Causal }

/// <summary>
/// Sizes of a 2D sliding window over an NHWC input (convolution or pooling). A dilation d spreads the
/// window's taps d cells apart; pooling always has dilation 1. A 1D window is a 2D one of height 1.
/// </summary>
internal readonly record struct ConvGeometry(
    int Height, int Width, int Channels,
    int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth,
    int PadTop, int PadLeft,
    int OutHeight, int OutWidth)
{
    public int DilationHeight { get; init; } = 1;
    public int DilationWidth { get; init; } = 1;

    public static ConvGeometry Create(int height, int width, int channels, int kernelHeight, int kernelWidth,
        int strideHeight, int strideWidth, Padding padding, int dilationHeight = 1, int dilationWidth = 1)
    {
        var (outH, padTop) = Axis(height, kernelHeight, strideHeight, padding, dilationHeight);
        var (outW, padLeft) = Axis(width, kernelWidth, strideWidth, padding, dilationWidth);
        return new ConvGeometry(height, width, channels, kernelHeight, kernelWidth, strideHeight, strideWidth,
            padTop, padLeft, outH, outW) { DilationHeight = dilationHeight, DilationWidth = dilationWidth };
    }

    /// <summary>Output length and leading pad of one axis, as Keras/TensorFlow compute them.</summary>
    public static (int Out, int PadBefore) Axis(int size, int kernel, int stride, Padding padding, int dilation = 1)
    {
        // In 64 bits: a window of 65,536 with a dilation of 65,536 spans more than an int holds.
        long span = (kernel - 1L) * dilation + 1;
        if (padding == Padding.Valid) return size >= span ? ((int)((size - span) / stride + 1), 0) : (0, 0);
        int outSize = (int)(((long)size + stride - 1) / stride);
        if (padding == Padding.Causal) return (outSize, (int)Math.Min(span - 1, int.MaxValue));
        long padTotal = Math.Max((outSize - 1L) * stride + span - size, 0);
        return (outSize, (int)Math.Min(padTotal / 2, int.MaxValue));
    }

    /// <summary>Values in one im2col row: a window across all channels.</summary>
    public int PatchLength => KernelHeight * KernelWidth * Channels;

    public int InputLength => Height * Width * Channels;

    public int OutputPositions => OutHeight * OutWidth;
}
