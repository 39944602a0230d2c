using System.Runtime.CompilerServices;
namespace Tailor.Kernels;

/// <summary>
/// Lowers NHWC convolution to a matrix product: one row per output position, columns ordered
/// (kernel row, kernel column, channel), the same order as a Keras kernel (kh, kw, cin, cout), so
/// that cols x kernel is the convolution and its result is already NHWC. Dilated windows take every
/// d-th cell.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Writes the patch rows of one image (input: H x W x C) into cols (positions x patch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                    ShortRows.Copy(image.Slice((ih * g.Width + iw0) * c, g.KernelWidth * c), dst.Slice(o));
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fold(in ConvGeometry g, ReadOnlySpan<float> cols, Span<float> image)
    {
        // The loop below reads and writes through pointers: check the extents once here.
        if (cols.Length < (long)g.OutputPositions * g.PatchLength || image.Length < g.InputLength)
            throw new ArgumentException($"Im2Col.Fold needs {g.OutputPositions} x {g.PatchLength} patch values and an image of {g.InputLength}, received {cols.Length} and {image.Length}.");
        image.Clear();
        fixed (float* pc = cols, pi = image) Fold(g, pc, pi);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Fold(in ConvGeometry g, float* cols, float* image)
    {
        int patch = g.PatchLength, row = 0;
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++, row++)
            FoldRow(g, oh, ow, cols + (long)row * patch, image);
    }

    /// <summary>
    /// Adds the patch row of output position (oh, ow) back into the image gradient. Folding the rows in order, as
    /// <see cref="Fold(in ConvGeometry, ReadOnlySpan{float}, Span{float})"/> does, gives each image value its
    /// additions in the order of the patch rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void FoldRow(in ConvGeometry g, int oh, int ow, float* src, float* image)
    {
        int c = g.Channels, o = 0;
        for (int kh = 0; kh < g.KernelHeight; kh++)
        {
            int ih = oh * g.StrideHeight + kh * g.DilationHeight - g.PadTop;
            if ((uint)ih >= (uint)g.Height) { o += g.KernelWidth * c; continue; }
            int iw0 = ow * g.StrideWidth - g.PadLeft;
            if (g.DilationWidth == 1 && iw0 >= 0 && iw0 + g.KernelWidth <= g.Width)
            {
                // The whole kernel row is inside: one addition of kw * C values. A patch row adds at most once to
                // each image value, so every value still gets its additions in the order of the patch rows.
                ShortRows.Add(image + (long)(ih * g.Width + iw0) * c, src + o, g.KernelWidth * c);
                o += g.KernelWidth * c;
                continue;
            }
            for (int kw = 0; kw < g.KernelWidth; kw++, o += c)
            {
                int iw = iw0 + kw * g.DilationWidth;
                if ((uint)iw >= (uint)g.Width) continue;
                ShortRows.Add(image + (long)(ih * g.Width + iw) * c, src + o, c);
            }
        }
    }
}
