using System.Numerics;
using System.Runtime.CompilerServices;

namespace Tailor.Kernels;

/// <summary>
/// Per-channel passes over rows of channels-last data, x[row, channel] with <c>c</c> channels a row, as batch
/// normalization runs them over one chunk of rows. Each element sees the same IEEE operations, in the same
/// order, as the row-by-row TensorPrimitives calls they replace (every product is rounded before its sum: no
/// fused multiply-add), so the bits are those calls' bits; what changes is the cost. A call per row of 32
/// channels was mostly call overhead, and a sum kept in memory was stored and reloaded on every row: here the
/// reductions keep a block of channels' sums in registers down the rows, and the element-wise passes load
/// each per-channel constant once a block.
/// </summary>
internal static class ChannelRows
{
    /// <summary>Vectors of channels a reduction keeps in registers at once.</summary>
    private const int Block = 4;

    /// <summary>sum[ch] = x[first, ch] + x[first + 1, ch] + ... + x[last - 1, ch], added in row order from 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sum(ReadOnlySpan<float> x, int c, int first, int last, Span<float> sum)
    {
        CheckRows(x, c, last, "x");
        CheckChannels(c, sum);
        int ch = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; ch <= c - Block * w; ch += Block * w)
            {
                Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int r = first; r < last; r++)
                {
                    var row = x.Slice(r * c + ch);
                    s0 += new Vector<float>(row); s1 += new Vector<float>(row[w..]);
                    s2 += new Vector<float>(row[(2 * w)..]); s3 += new Vector<float>(row[(3 * w)..]);
                }
                s0.CopyTo(sum[ch..]); s1.CopyTo(sum[(ch + w)..]); s2.CopyTo(sum[(ch + 2 * w)..]); s3.CopyTo(sum[(ch + 3 * w)..]);
            }
            for (; ch <= c - w; ch += w)
            {
                Vector<float> s = default;
                for (int r = first; r < last; r++) s += new Vector<float>(x.Slice(r * c + ch));
                s.CopyTo(sum[ch..]);
            }
        }
        for (; ch < c; ch++)
        {
            float s = 0;
            for (int r = first; r < last; r++) s += x[r * c + ch];
            sum[ch] = s;
        }
    }

    /// <summary>sum[ch] = the sum over the rows, in order from 0, of d * d with d = x[r, ch] - mean[ch].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SquaredDeviationSum(ReadOnlySpan<float> x, int c, int first, int last, ReadOnlySpan<float> mean, Span<float> sum)
    {
        CheckRows(x, c, last, "x");
        CheckChannels(c, mean, sum);
        int ch = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; ch <= c - Block * w; ch += Block * w)
            {
                Vector<float> m0 = new(mean[ch..]), m1 = new(mean[(ch + w)..]), m2 = new(mean[(ch + 2 * w)..]), m3 = new(mean[(ch + 3 * w)..]);
                Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int r = first; r < last; r++)
                {
                    var row = x.Slice(r * c + ch);
                    var d0 = new Vector<float>(row) - m0; var d1 = new Vector<float>(row[w..]) - m1;
                    var d2 = new Vector<float>(row[(2 * w)..]) - m2; var d3 = new Vector<float>(row[(3 * w)..]) - m3;
                    s0 = d0 * d0 + s0; s1 = d1 * d1 + s1; s2 = d2 * d2 + s2; s3 = d3 * d3 + s3;
                }
                s0.CopyTo(sum[ch..]); s1.CopyTo(sum[(ch + w)..]); s2.CopyTo(sum[(ch + 2 * w)..]); s3.CopyTo(sum[(ch + 3 * w)..]);
            }
            for (; ch <= c - w; ch += w)
            {
                Vector<float> m = new(mean[ch..]), s = default;
                for (int r = first; r < last; r++)
                {
                    var d = new Vector<float>(x.Slice(r * c + ch)) - m;
                    s = d * d + s;
                }
                s.CopyTo(sum[ch..]);
            }
        }
        for (; ch < c; ch++)
        {
            float m = mean[ch], s = 0;
            for (int r = first; r < last; r++)
            {
                float d = x[r * c + ch] - m;
                s = d * d + s;
            }
            sum[ch] = s;
        }
    }

    /// <summary>y[r, ch] = (x[r, ch] - mean[ch]) * scale[ch] + shift[ch]; with <paramref name="mean"/> empty, x * scale + shift.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleShift(ReadOnlySpan<float> x, int c, int first, int last, ReadOnlySpan<float> mean,
        ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y)
    {
        CheckRows(x, c, last, "x");
        CheckRows(y, c, last, "y");
        bool centre = !mean.IsEmpty;
        CheckChannels(c, scale, shift, centre ? mean : scale);
        int w = Vector.IsHardwareAccelerated ? Vector<float>.Count : 0, vectorEnd = w == 0 ? 0 : c - c % w;
        for (int r = first; r < last; r++)
        {
            var xr = x.Slice(r * c, c);
            var yr = y.Slice(r * c, c);
            int ch = 0;
            for (; ch < vectorEnd; ch += w)
            {
                var v = new Vector<float>(xr[ch..]);
                if (centre) v -= new Vector<float>(mean[ch..]);
                (v * new Vector<float>(scale[ch..]) + new Vector<float>(shift[ch..])).CopyTo(yr[ch..]);
            }
            for (; ch < c; ch++)
            {
                float v = centre ? xr[ch] - mean[ch] : xr[ch];
                yr[ch] = v * scale[ch] + shift[ch];
            }
        }
    }

    /// <summary>
    /// The two sums of batch normalization's backward pass, in row order from 0: sumDy[ch] of dy[r, ch] and
    /// sumDyXhat[ch] of x-hat * dy, with x-hat = (x[r, ch] - mean[ch]) * invStd[ch].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GradientSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int c, int first, int last,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> sumDy, Span<float> sumDyXhat)
    {
        CheckRows(x, c, last, "x");
        CheckRows(dy, c, last, "dy");
        CheckChannels(c, mean, invStd, sumDy, sumDyXhat);
        int ch = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; ch <= c - 2 * w; ch += 2 * w)
            {
                Vector<float> m0 = new(mean[ch..]), m1 = new(mean[(ch + w)..]), i0 = new(invStd[ch..]), i1 = new(invStd[(ch + w)..]);
                Vector<float> a0 = default, a1 = default, b0 = default, b1 = default;
                for (int r = first; r < last; r++)
                {
                    var xr = x.Slice(r * c + ch);
                    var dr = dy.Slice(r * c + ch);
                    var g0 = new Vector<float>(dr); var g1 = new Vector<float>(dr[w..]);
                    a0 += g0; a1 += g1;
                    var h0 = (new Vector<float>(xr) - m0) * i0; var h1 = (new Vector<float>(xr[w..]) - m1) * i1;
                    b0 = h0 * g0 + b0; b1 = h1 * g1 + b1;
                }
                a0.CopyTo(sumDy[ch..]); a1.CopyTo(sumDy[(ch + w)..]); b0.CopyTo(sumDyXhat[ch..]); b1.CopyTo(sumDyXhat[(ch + w)..]);
            }
            for (; ch <= c - w; ch += w)
            {
                Vector<float> m = new(mean[ch..]), i = new(invStd[ch..]), a = default, b = default;
                for (int r = first; r < last; r++)
                {
                    var g = new Vector<float>(dy.Slice(r * c + ch));
                    a += g;
                    var h = (new Vector<float>(x.Slice(r * c + ch)) - m) * i;
                    b = h * g + b;
                }
                a.CopyTo(sumDy[ch..]); b.CopyTo(sumDyXhat[ch..]);
            }
        }
        for (; ch < c; ch++)
        {
            float m = mean[ch], i = invStd[ch], a = 0, b = 0;
            for (int r = first; r < last; r++)
            {
                float g = dy[r * c + ch];
                a += g;
                float h = (x[r * c + ch] - m) * i;
                b = h * g + b;
            }
            sumDy[ch] = a;
            sumDyXhat[ch] = b;
        }
    }

    /// <summary>
    /// Batch normalization's input gradient: dx = ((dy - x-hat * meanDyXhat) - meanDy) * scale, per element, with
    /// x-hat = (x - mean) * invStd.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, int c, int first, int last,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, ReadOnlySpan<float> meanDy, ReadOnlySpan<float> meanDyXhat,
        ReadOnlySpan<float> scale, Span<float> dx)
    {
        CheckRows(x, c, last, "x");
        CheckRows(dy, c, last, "dy");
        CheckRows(dx, c, last, "dx");
        CheckChannels(c, mean, invStd, meanDy, meanDyXhat);
        CheckChannels(c, scale);
        int w = Vector.IsHardwareAccelerated ? Vector<float>.Count : 0, vectorEnd = w == 0 ? 0 : c - c % w;
        for (int r = first; r < last; r++)
        {
            var xr = x.Slice(r * c, c);
            var dr = dy.Slice(r * c, c);
            var outRow = dx.Slice(r * c, c);
            int ch = 0;
            for (; ch < vectorEnd; ch += w)
            {
                var h = (new Vector<float>(xr[ch..]) - new Vector<float>(mean[ch..])) * new Vector<float>(invStd[ch..]);
                var t = h * new Vector<float>(meanDyXhat[ch..]);
                (((new Vector<float>(dr[ch..]) - t) - new Vector<float>(meanDy[ch..])) * new Vector<float>(scale[ch..])).CopyTo(outRow[ch..]);
            }
            for (; ch < c; ch++)
            {
                float h = (xr[ch] - mean[ch]) * invStd[ch];
                float t = h * meanDyXhat[ch];
                outRow[ch] = ((dr[ch] - t) - meanDy[ch]) * scale[ch];
            }
        }
    }

    private static void CheckRows(ReadOnlySpan<float> rows, int c, int last, string name)
    {
        if (c <= 0 || (long)last * c > rows.Length)
            throw new ArgumentException($"{name} holds {rows.Length} values, too few for rows up to {last} of {c} channels.");
    }

    private static void CheckChannels(int c, ReadOnlySpan<float> a, ReadOnlySpan<float> b = default, ReadOnlySpan<float> d = default, ReadOnlySpan<float> e = default)
    {
        if (a.Length < c || (!b.IsEmpty && b.Length < c) || (!d.IsEmpty && d.Length < c) || (!e.IsEmpty && e.Length < c))
            throw new ArgumentException($"A per-channel span is shorter than the {c} channels.");
    }
}
