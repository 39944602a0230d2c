using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Tailor.Kernels;

/// <summary>2D max and average pooling over one NHWC image (H x W x C), and global pooling over all its positions.</summary>
internal static class PoolingKernels
{
    /// <summary>Max over each window; argmax[o] is the input offset chosen (first maximum), reused by backward.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxForward(in ConvGeometry g, ReadOnlySpan<float> image, Span<float> output, Span<int> argmax)
    {
        int c = g.Channels;
        // The cells of a window inside the image: at most the window's or the image's, whichever is smaller.
        int most = Math.Min(g.KernelHeight, g.Height) * Math.Min(g.KernelWidth, g.Width);
        Span<int> cells = most <= 1024 ? stackalloc int[most] : new int[most];
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++)
        {
            int count = 0;
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int ih = oh * g.StrideHeight + kh - g.PadTop;
                if ((uint)ih >= (uint)g.Height) continue;
                for (int kw = 0; kw < g.KernelWidth; kw++)
                {
                    int iw = ow * g.StrideWidth + kw - g.PadLeft;
                    if ((uint)iw < (uint)g.Width) cells[count++] = (ih * g.Width + iw) * c;
                }
            }
            int o = (oh * g.OutWidth + ow) * c;
            MaxOverCells(image, cells[..count], output.Slice(o, c), argmax.Slice(o, c));
        }
    }

    /// <summary>
    /// The maxima of <see cref="MaxForward(in ConvGeometry, ReadOnlySpan{float}, Span{float}, Span{int})"/> without
    /// the winners (inference): each window's cells in the same order, a cell replacing the maximum only when
    /// greater, so NaN, -0 and ties give the same bits. Vectorised across channels, 16, 8 or 4 at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void MaxForward(in ConvGeometry g, ReadOnlySpan<float> image, Span<float> output)
    {
        if (image.Length < g.InputLength || output.Length < g.OutputPositions * g.Channels)
            throw new ArgumentException($"PoolingKernels.MaxForward needs an image of {g.InputLength} values and {g.OutputPositions * g.Channels} outputs, received {image.Length} and {output.Length}.");
        int c = g.Channels, window = g.KernelHeight * g.KernelWidth;
        int most = Math.Min(g.KernelHeight, g.Height) * Math.Min(g.KernelWidth, g.Width);
        Span<int> cells = most <= 1024 ? stackalloc int[most] : new int[most];
        // A window wholly inside the image: its cells' offsets from its top-left cell, the same for every window.
        Span<int> inside = window <= 1024 ? stackalloc int[window] : new int[window];
        for (int kh = 0, i = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++) inside[i++] = (kh * g.Width + kw) * c;
        fixed (float* pi = image, po = output)
        fixed (int* pc = cells, pw = inside)
        {
            for (int oh = 0; oh < g.OutHeight; oh++)
            {
                int ih0 = oh * g.StrideHeight - g.PadTop;
                bool rowsInside = ih0 >= 0 && ih0 + g.KernelHeight <= g.Height;
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    int iw0 = ow * g.StrideWidth - g.PadLeft;
                    float* best = po + (oh * g.OutWidth + ow) * c;
                    if (rowsInside && iw0 >= 0 && iw0 + g.KernelWidth <= g.Width)
                    {
                        MaxOverCells(pi + (ih0 * g.Width + iw0) * c, pw, window, best, c);
                        continue;
                    }
                    int count = 0;
                    for (int kh = 0; kh < g.KernelHeight; kh++)
                    {
                        int ih = ih0 + kh;
                        if ((uint)ih >= (uint)g.Height) continue;
                        for (int kw = 0; kw < g.KernelWidth; kw++)
                        {
                            int iw = iw0 + kw;
                            if ((uint)iw < (uint)g.Width) pc[count++] = (ih * g.Width + iw) * c;
                        }
                    }
                    MaxOverCells(pi, pc, count, best, c);
                }
            }
        }
    }

    /// <summary>A window's maximum so far after its next cell: the cell only where greater, so NaN, -0 and ties keep the earlier value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Larger(Vector512<float> max, Vector512<float> cell) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(cell, max), cell, max);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MaxOverCells(float* image, int* cells, int count, float* best, int c)
    {
        int ch = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; ch <= c - 16; ch += 16)
            {
                var max = Vector512.Load(image + cells[0] + ch);
                for (int i = 1; i < count; i++)
                {
                    var x = Vector512.Load(image + cells[i] + ch);
                    max = Larger(max, x);
                }
                max.Store(best + ch);
            }
        if (Vector256.IsHardwareAccelerated)
            for (; ch <= c - 8; ch += 8)
            {
                var max = Vector256.Load(image + cells[0] + ch);
                for (int i = 1; i < count; i++)
                {
                    var x = Vector256.Load(image + cells[i] + ch);
                    max = Vector256.ConditionalSelect(Vector256.GreaterThan(x, max), x, max);
                }
                max.Store(best + ch);
            }
        if (Vector128.IsHardwareAccelerated)
            for (; ch <= c - 4; ch += 4)
            {
                var max = Vector128.Load(image + cells[0] + ch);
                for (int i = 1; i < count; i++)
                {
                    var x = Vector128.Load(image + cells[i] + ch);
                    max = Vector128.ConditionalSelect(Vector128.GreaterThan(x, max), x, max);
                }
                max.Store(best + ch);
            }
        for (; ch < c; ch++)
        {
            float max = image[cells[0] + ch];
            for (int i = 1; i < count; i++)
            {
                float x = image[cells[i] + ch];
                if (x > max) max = x;
            }
            best[ch] = max;
        }
    }

    /// <summary>Channel-wise max over the given cell offsets, vectorised across channels; ties keep the first cell.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxOverCells(ReadOnlySpan<float> image, ReadOnlySpan<int> cells, Span<float> best, Span<int> where)
    {
        int c = best.Length, ch = 0, w = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated && c >= w)
        {
            var lanes = Lanes;
            for (; ch <= c - w; ch += w)
            {
                var max = new Vector<float>(image.Slice(cells[0] + ch));
                var arg = new Vector<int>(cells[0] + ch) + lanes;
                for (int i = 1; i < cells.Length; i++)
                {
                    var x = new Vector<float>(image.Slice(cells[i] + ch));
                    var greater = Vector.GreaterThan(x, max);
                    max = Vector.ConditionalSelect(greater, x, max);
                    arg = Vector.ConditionalSelect(greater, new Vector<int>(cells[i] + ch) + lanes, arg);
                }
                max.CopyTo(best.Slice(ch));
                arg.CopyTo(where.Slice(ch));
            }
        }
        for (; ch < c; ch++)
        {
            float max = image[cells[0] + ch];
            int arg = cells[0] + ch;
            for (int i = 1; i < cells.Length; i++)
            {
                float x = image[cells[i] + ch];
                if (x > max) { max = x; arg = cells[i] + ch; }
            }
            best[ch] = max;
            where[ch] = arg;
        }
    }

    /// <summary>0, 1, 2, ... per lane: built once, not per output pixel.</summary>
    private static readonly Vector<int> Lanes = Vector<int>.Indices;

    /// <summary>
    /// As <see cref="MaxBackward(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float})"/> for the windows of
    /// <paramref name="g"/>. Windows that do not overlap give each input cell at most one gradient, so each
    /// cell is written once, its gradient or zero, instead of clearing the image and adding into it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxBackward(in ConvGeometry g, ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> argmax, Span<float> inputGradient)
    {
        if (g.StrideHeight < g.KernelHeight || g.StrideWidth < g.KernelWidth || !Vector.IsHardwareAccelerated)
        {
            MaxBackward(outputGradient, argmax, inputGradient);
            return;
        }
        int c = g.Channels, lanes = Vector<float>.Count;
        for (int ih = 0; ih < g.Height; ih++)
        {
            int oh = (ih + g.PadTop) / g.StrideHeight;
            var row = inputGradient.Slice(ih * g.Width * c, g.Width * c);
            if ((ih + g.PadTop) % g.StrideHeight >= g.KernelHeight || oh >= g.OutHeight) { row.Clear(); continue; }
            for (int iw = 0; iw < g.Width; iw++)
            {
                int ow = (iw + g.PadLeft) / g.StrideWidth;
                var cell = row.Slice(iw * c, c);
                if ((iw + g.PadLeft) % g.StrideWidth >= g.KernelWidth || ow >= g.OutWidth) { cell.Clear(); continue; }
                int o = (oh * g.OutWidth + ow) * c, offset = (ih * g.Width + iw) * c, ch = 0;
                for (; ch <= c - lanes; ch += lanes)
                {
                    var won = Vector.Equals(new Vector<int>(argmax.Slice(o + ch)), new Vector<int>(offset + ch) + Lanes);
                    // + 0 as in the scatter below (0 + g): a gradient of -0 arrives as +0.
                    Vector.ConditionalSelect(won, new Vector<float>(outputGradient.Slice(o + ch)) + Vector<float>.Zero, Vector<float>.Zero).CopyTo(cell.Slice(ch));
                }
                for (; ch < c; ch++) cell[ch] = argmax[o + ch] == offset + ch ? 0f + outputGradient[o + ch] : 0f;
            }
        }
    }

    /// <summary>Routes each output gradient to the input that won the max (input gradient overwritten).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxBackward(ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> argmax, Span<float> inputGradient)
    {
        inputGradient.Clear();
        for (int o = 0; o < outputGradient.Length; o++) inputGradient[argmax[o]] += outputGradient[o];
    }

    /// <summary>Mean over each window, counting only cells inside the image (as Keras does with same padding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AverageForward(in ConvGeometry g, ReadOnlySpan<float> image, Span<float> output)
    {
        int c = g.Channels;
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++)
        {
            var sum = output.Slice((oh * g.OutWidth + ow) * c, c);
            sum.Clear();
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int ih = oh * g.StrideHeight + kh - g.PadTop;
                if ((uint)ih >= (uint)g.Height) continue;
                for (int kw = 0; kw < g.KernelWidth; kw++)
                {
                    int iw = ow * g.StrideWidth + kw - g.PadLeft;
                    if ((uint)iw >= (uint)g.Width) continue;
                    System.Numerics.Tensors.TensorPrimitives.Add(sum, image.Slice((ih * g.Width + iw) * c, c), sum);
                }
            }
            System.Numerics.Tensors.TensorPrimitives.Multiply(sum, 1f / CellCount(g, oh, ow), sum);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AverageBackward(in ConvGeometry g, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        inputGradient.Clear();
        int c = g.Channels;
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++)
        {
            var dy = outputGradient.Slice((oh * g.OutWidth + ow) * c, c);
            int count = CellCount(g, oh, ow);
            float scale = 1f / count;
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int ih = oh * g.StrideHeight + kh - g.PadTop;
                if ((uint)ih >= (uint)g.Height) continue;
                for (int kw = 0; kw < g.KernelWidth; kw++)
                {
                    int iw = ow * g.StrideWidth + kw - g.PadLeft;
                    if ((uint)iw >= (uint)g.Width) continue;
                    var dx = inputGradient.Slice((ih * g.Width + iw) * c, c);
                    for (int ch = 0; ch < c; ch++) dx[ch] += dy[ch] * scale;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CellCount(in ConvGeometry g, int oh, int ow)
    {
        int rows = 0, cols = 0;
        for (int kh = 0; kh < g.KernelHeight; kh++)
            if ((uint)(oh * g.StrideHeight + kh - g.PadTop) < (uint)g.Height) rows++;
        for (int kw = 0; kw < g.KernelWidth; kw++)
            if ((uint)(ow * g.StrideWidth + kw - g.PadLeft) < (uint)g.Width) cols++;
        return rows * cols;
    }

    /// <summary>
    /// Channel-wise max over every position of one sample (positions x C, row-major); argmax[ch] is the
    /// offset of the first maximum, reused by <c>MaxBackward</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalMaxForward(ReadOnlySpan<float> sample, int channels, Span<float> output, Span<int> argmax)
    {
        int positions = sample.Length / channels, w = Vector<float>.Count, ch = 0;
        if (Vector.IsHardwareAccelerated && channels >= w)
        {
            var lanes = Lanes;
            for (; ch <= channels - w; ch += w)
            {
                var max = new Vector<float>(sample.Slice(ch));
                var arg = new Vector<int>(ch) + lanes;
                for (int p = 1; p < positions; p++)
                {
                    int offset = p * channels + ch;
                    var x = new Vector<float>(sample.Slice(offset));
                    var greater = Vector.GreaterThan(x, max);
                    max = Vector.ConditionalSelect(greater, x, max);
                    arg = Vector.ConditionalSelect(greater, new Vector<int>(offset) + lanes, arg);
                }
                max.CopyTo(output.Slice(ch));
                arg.CopyTo(argmax.Slice(ch));
            }
        }
        for (; ch < channels; ch++)
        {
            float max = sample[ch];
            int arg = ch;
            for (int p = 1; p < positions; p++)
            {
                float x = sample[p * channels + ch];
                if (x > max) { max = x; arg = p * channels + ch; }
            }
            output[ch] = max;
            argmax[ch] = arg;
        }
    }

    /// <summary>Channel-wise mean over every position of one sample (positions x C), summed in position order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalAverageForward(ReadOnlySpan<float> sample, int channels, Span<float> output)
    {
        int positions = sample.Length / channels;
        var sum = output[..channels];
        sample[..channels].CopyTo(sum);
        for (int p = 1; p < positions; p++)
            System.Numerics.Tensors.TensorPrimitives.Add(sum, sample.Slice(p * channels, channels), sum);
        System.Numerics.Tensors.TensorPrimitives.Multiply(sum, 1f / positions, sum);
    }

    /// <summary>Spreads each channel's gradient evenly over the positions (input gradient overwritten).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GlobalAverageBackward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        int channels = outputGradient.Length, positions = inputGradient.Length / channels;
        float scale = 1f / positions;
        for (int p = 0; p < positions; p++)
            System.Numerics.Tensors.TensorPrimitives.Multiply(outputGradient, scale, inputGradient.Slice(p * channels, channels));
    }
}
