using Tailor.Kernels;

namespace Tailor.Graphs;

/// <summary>ONNX's explicit pads for a window operator (Conv, MaxPool, AveragePool) that give Keras's output.</summary>
internal static class WindowPads
{
    /// <summary>
    /// [begin of each axis..., end of each axis...] for windows over the leading axes <paramref name="sizes"/>:
    /// Keras's leading pad (all of it for causal; the smaller half for same), and what the last window still needs.
    /// </summary>
    public static long[] Of(ReadOnlySpan<int> sizes, ReadOnlySpan<int> window, ReadOnlySpan<int> strides, Padding padding, int dilation = 1)
    {
        var pads = new long[2 * sizes.Length];
        for (int axis = 0; axis < sizes.Length; axis++)
        {
            var (length, before) = ConvGeometry.Axis(sizes[axis], window[axis], strides[axis], padding, dilation);
            long span = (window[axis] - 1L) * dilation + 1;
            pads[axis] = before;
            pads[sizes.Length + axis] = Math.Max((length - 1L) * strides[axis] + span - sizes[axis] - before, 0);
        }
        return pads;
    }
}
