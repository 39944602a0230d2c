namespace Tailor.Kernels;

/// <summary>
/// Where a convolution's patch values lie in its input, so that a product reads them in place rather than from
/// an im2col copy: patch row r (an output position of the batch) and column p (kernel row, kernel column,
/// channel, as <see cref="Im2Col"/> orders them) hold input[Rows[r] + Columns[p]]. Only a window that never
/// leaves the image has such an address for every value: no padding, or none that a window reaches.
/// </summary>
internal static class PatchOffsets
{
    /// <summary>Whether every window of <paramref name="g"/> lies inside the image, and a batch of <paramref name="batch"/> inputs is addressable by int.</summary>
    public static bool InPlace(in ConvGeometry g, int batch) =>
        g.OutHeight > 0 && g.OutWidth > 0
        && g.PadTop == 0 && g.PadLeft == 0
        && (g.OutHeight - 1L) * g.StrideHeight + (g.KernelHeight - 1L) * g.DilationHeight < g.Height
        && (g.OutWidth - 1L) * g.StrideWidth + (g.KernelWidth - 1L) * g.DilationWidth < g.Width
        && (long)batch * g.InputLength <= int.MaxValue;

    /// <summary>The start of each output position's window, for <paramref name="batch"/> images one after another.</summary>
    public static void Rows(in ConvGeometry g, int batch, Span<int> rows)
    {
        int positions = g.OutputPositions, r = 0;
        if (rows.Length != batch * positions) throw new ArgumentException($"PatchOffsets.Rows needs {batch * positions} values, received {rows.Length}.");
        for (int s = 0; s < batch; s++)
        {
            int image = s * g.InputLength;
            for (int oh = 0; oh < g.OutHeight; oh++)
            for (int ow = 0; ow < g.OutWidth; ow++)
                rows[r++] = image + (oh * g.StrideHeight * g.Width + ow * g.StrideWidth) * g.Channels;
        }
    }

    /// <summary>Each patch value's place relative to its window's start.</summary>
    public static void Columns(in ConvGeometry g, Span<int> columns)
    {
        if (columns.Length != g.PatchLength) throw new ArgumentException($"PatchOffsets.Columns needs {g.PatchLength} values, received {columns.Length}.");
        int p = 0;
        for (int kh = 0; kh < g.KernelHeight; kh++)
        for (int kw = 0; kw < g.KernelWidth; kw++)
        for (int ch = 0; ch < g.Channels; ch++)
            columns[p++] = (kh * g.DilationHeight * g.Width + kw * g.DilationWidth) * g.Channels + ch;
    }
}
