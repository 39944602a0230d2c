namespace Tailor.Kernels;

/// <summary>
/// Lowers NHWC convolution to a matrix product: one row per output position, columns ordered
/// (kernel row, kernel column, channel), the same order as a Keras kernel (kh, kw, cin, cout), so
/// that cols x kernel is the convolution and its result is already NHWC. Dilated windows take every
/// d-th cell.
/// </summary>
public static class Im2Col
{
    /// <summary>Writes the patch rows of one image (input: H x W x C) into cols (positions x patch).</summary>
    public static void Expand(in ConvGeometry g, ReadOnlySpan<float> image, Span<float> cols)
    {
        int c = g.Channels, patch = g.PatchLength, row = 0;
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++, row++)
        {
            var dst = cols.Slice(row * patch, patch);
            int o = 0;
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int ih = oh * g.StrideHeight + kh * g.DilationHeight - g.PadTop;
                if ((uint)ih >= (uint)g.Height)
                {
                    dst.Slice(o, g.KernelWidth * c).Clear();
                    o += g.KernelWidth * c;
                    continue;
                }
                int iw0 = ow * g.StrideWidth - g.PadLeft;
                if (g.DilationWidth == 1 && iw0 >= 0 && iw0 + g.KernelWidth <= g.Width)
                {
                    // The whole kernel row is inside: one contiguous copy of kw * C values.
                    image.Slice((ih * g.Width + iw0) * c, g.KernelWidth * c).CopyTo(dst.Slice(o));
                    o += g.KernelWidth * c;
                    continue;
                }
                for (int kw = 0; kw < g.KernelWidth; kw++, o += c)
                {
                    int iw = iw0 + kw * g.DilationWidth;
                    if ((uint)iw >= (uint)g.Width) dst.Slice(o, c).Clear();
                    else image.Slice((ih * g.Width + iw) * c, c).CopyTo(dst.Slice(o));
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Expand"/>: adds each patch row back into the image gradient (overwritten).</summary>
    public static void Fold(in ConvGeometry g, ReadOnlySpan<float> cols, Span<float> image)
    {
        image.Clear();
        int c = g.Channels, patch = g.PatchLength, row = 0;
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++, row++)
        {
            var src = cols.Slice(row * patch, patch);
            int o = 0;
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int ih = oh * g.StrideHeight + kh * g.DilationHeight - g.PadTop;
                if ((uint)ih >= (uint)g.Height) { o += g.KernelWidth * c; continue; }
                int iw0 = ow * g.StrideWidth - g.PadLeft;
                for (int kw = 0; kw < g.KernelWidth; kw++, o += c)
                {
                    int iw = iw0 + kw * g.DilationWidth;
                    if ((uint)iw >= (uint)g.Width) continue;
                    var dst = image.Slice((ih * g.Width + iw) * c, c);
                    System.Numerics.Tensors.TensorPrimitives.Add(dst, src.Slice(o, c), dst);
                }
            }
        }
    }
}
