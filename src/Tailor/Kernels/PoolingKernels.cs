namespace Tailor.Kernels;

/// <summary>2D max and average pooling over one NHWC image (H x W x C).</summary>
public static class PoolingKernels
{
    /// <summary>Max over each window; argmax[o] is the input offset chosen (first maximum), reused by backward.</summary>
    public static void MaxForward(in ConvGeometry g, ReadOnlySpan<float> image, Span<float> output, Span<int> argmax)
    {
        int c = g.Channels;
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++)
        {
            int o = (oh * g.OutWidth + ow) * c;
            var best = output.Slice(o, c);
            var where = argmax.Slice(o, c);
            best.Fill(float.NegativeInfinity);
            where.Fill(-1);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int ih = oh * g.StrideHeight + kh - g.PadTop;
                if ((uint)ih >= (uint)g.Height) continue;
                for (int kw = 0; kw < g.KernelWidth; kw++)
                {
                    int iw = ow * g.StrideWidth + kw - g.PadLeft;
                    if ((uint)iw >= (uint)g.Width) continue;
                    int i = (ih * g.Width + iw) * c;
                    var x = image.Slice(i, c);
                    for (int ch = 0; ch < c; ch++)
                        if (x[ch] > best[ch] || where[ch] < 0) { best[ch] = x[ch]; where[ch] = i + ch; }
                }
            }
        }
    }

    /// <summary>Routes each output gradient to the input that won the max (input gradient overwritten).</summary>
    public static void MaxBackward(ReadOnlySpan<float> outputGradient, ReadOnlySpan<int> argmax, Span<float> inputGradient)
    {
        inputGradient.Clear();
        for (int o = 0; o < outputGradient.Length; o++) inputGradient[argmax[o]] += outputGradient[o];
    }

    /// <summary>Mean over each window, counting only cells inside the image (as Keras does with same padding).</summary>
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

    private static int CellCount(in ConvGeometry g, int oh, int ow)
    {
        int rows = 0, cols = 0;
        for (int kh = 0; kh < g.KernelHeight; kh++)
            if ((uint)(oh * g.StrideHeight + kh - g.PadTop) < (uint)g.Height) rows++;
        for (int kw = 0; kw < g.KernelWidth; kw++)
            if ((uint)(ow * g.StrideWidth + kw - g.PadLeft) < (uint)g.Width) cols++;
        return rows * cols;
    }
}
