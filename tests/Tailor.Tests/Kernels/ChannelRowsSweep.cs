using System.Numerics.Tensors;
using Tailor.Common;
using Tailor.Kernels;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Kernels;

/// <summary>
/// Batch normalization's per-channel row passes against a scalar reference (one channel at a time, the
/// operations in the kernels' order) and against the row-by-row TensorPrimitives calls they replaced, bit
/// for bit, on channel counts around the vector widths (4-vector blocks, single vectors, the scalar tail) and
/// row ranges that do not start at 0. Shared with Tailor.KernelCheck, which runs it under each instruction set.
/// </summary>
internal static class ChannelRowsSweep
{
    public static readonly int[] Channels = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 65];

    public static readonly (int First, int Last)[] Rows = [(0, 1), (0, 7), (3, 40), (5, 261)];

    public static List<string> Run()
    {
        var failures = new List<string>();
        var rng = new Rng(2029);
        foreach (int c in Channels)
        foreach (var (first, last) in Rows)
        {
            var x = RandomData.Uniform(rng, last * c, -3, 5);
            var dy = RandomData.Uniform(rng, last * c, -2, 2);
            var mean = RandomData.Uniform(rng, c, -1, 2);
            var invStd = RandomData.Uniform(rng, c, 0.2f, 3);
            var scale = RandomData.Uniform(rng, c, -2, 2);
            var shift = RandomData.Uniform(rng, c);
            var meanDy = RandomData.Uniform(rng, c, -0.5f, 0.5f);
            var meanDyXhat = RandomData.Uniform(rng, c, -0.5f, 0.5f);
            string at = $"{c} channels, rows {first} to {last}";

            var sum = new float[c];
            ChannelRows.Sum(x, c, first, last, sum);
            Compare(failures, $"Sum, {at}", sum, PerChannel(c, ch => { float s = 0; for (int r = first; r < last; r++) s += x[r * c + ch]; return s; }),
                RowWise(c, first, last, (r, acc, _) => TensorPrimitives.Add(acc, x.AsSpan(r * c, c), acc)));

            ChannelRows.SquaredDeviationSum(x, c, first, last, mean, sum);
            Compare(failures, $"SquaredDeviationSum, {at}", sum,
                PerChannel(c, ch => { float s = 0; for (int r = first; r < last; r++) { float d = x[r * c + ch] - mean[ch]; s = d * d + s; } return s; }),
                RowWise(c, first, last, (r, acc, scratch) =>
                {
                    TensorPrimitives.Subtract(x.AsSpan(r * c, c), mean, scratch);
                    TensorPrimitives.MultiplyAdd(scratch, scratch, acc, acc);
                }));

            foreach (bool centre in new[] { true, false })
            {
                var y = new float[last * c];
                ChannelRows.ScaleShift(x, c, first, last, centre ? mean : default, scale, shift, y);
                var expected = new float[last * c];
                var old = new float[last * c];
                var centred = new float[c];
                for (int r = first; r < last; r++)
                {
                    for (int ch = 0; ch < c; ch++)
                        expected[r * c + ch] = (centre ? x[r * c + ch] - mean[ch] : x[r * c + ch]) * scale[ch] + shift[ch];
                    if (centre) TensorPrimitives.Subtract(x.AsSpan(r * c, c), mean, centred);
                    TensorPrimitives.MultiplyAdd(centre ? centred : x.AsSpan(r * c, c), scale, shift, old.AsSpan(r * c, c));
                }
                Compare(failures, $"ScaleShift (centred: {centre}), {at}", y, expected, old);
            }

            var sumDy = new float[c];
            var sumDyXhat = new float[c];
            ChannelRows.GradientSums(x, dy, c, first, last, mean, invStd, sumDy, sumDyXhat);
            var (refDy, refDyXhat) = (new float[c], new float[c]);
            for (int ch = 0; ch < c; ch++)
                for (int r = first; r < last; r++)
                {
                    float g = dy[r * c + ch];
                    refDy[ch] += g;
                    float h = (x[r * c + ch] - mean[ch]) * invStd[ch];
                    refDyXhat[ch] = h * g + refDyXhat[ch];
                }
            var (oldDy, oldDyXhat, hat) = (new float[c], new float[c], new float[c]);
            for (int r = first; r < last; r++)
            {
                TensorPrimitives.Add(oldDy, dy.AsSpan(r * c, c), oldDy);
                TensorPrimitives.Subtract(x.AsSpan(r * c, c), mean, hat);
                TensorPrimitives.Multiply(hat, invStd, hat);
                TensorPrimitives.MultiplyAdd(hat, dy.AsSpan(r * c, c), oldDyXhat, oldDyXhat);
            }
            Compare(failures, $"GradientSums (dy), {at}", sumDy, refDy, oldDy);
            Compare(failures, $"GradientSums (dy * x-hat), {at}", sumDyXhat, refDyXhat, oldDyXhat);

            var dx = new float[last * c];
            ChannelRows.InputGradient(x, dy, c, first, last, mean, invStd, meanDy, meanDyXhat, scale, dx);
            var (refDx, oldDx, t) = (new float[last * c], new float[last * c], new float[c]);
            for (int r = first; r < last; r++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    float h = (x[r * c + ch] - mean[ch]) * invStd[ch];
                    refDx[r * c + ch] = ((dy[r * c + ch] - h * meanDyXhat[ch]) - meanDy[ch]) * scale[ch];
                }
                var row = oldDx.AsSpan(r * c, c);
                TensorPrimitives.Subtract(x.AsSpan(r * c, c), mean, t);
                TensorPrimitives.Multiply(t, invStd, t);
                TensorPrimitives.Multiply(t, meanDyXhat, t);
                TensorPrimitives.Subtract(dy.AsSpan(r * c, c), t, row);
                TensorPrimitives.Subtract(row, meanDy, row);
                TensorPrimitives.Multiply(row, scale, row);
            }
            Compare(failures, $"InputGradient, {at}", dx, refDx, oldDx);
        }
        return failures;
    }

    private static float[] PerChannel(int c, Func<int, float> value)
    {
        var result = new float[c];
        for (int ch = 0; ch < c; ch++) result[ch] = value(ch);
        return result;
    }

    /// <summary>A sum as the layer took it before: a row of c channels at a time through TensorPrimitives, from 0.</summary>
    private static float[] RowWise(int c, int first, int last, Action<int, float[], float[]> addRow)
    {
        var acc = new float[c];
        var scratch = new float[c];
        for (int r = first; r < last; r++) addRow(r, acc, scratch);
        return acc;
    }

    private static void Compare(List<string> failures, string where, float[] actual, float[] reference, float[] rowWise)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            int bits = BitConverter.SingleToInt32Bits(actual[i]);
            if (bits != BitConverter.SingleToInt32Bits(reference[i])) { failures.Add($"{where}: value {i} is {actual[i]:R}, the scalar reference gives {reference[i]:R}"); return; }
            if (bits != BitConverter.SingleToInt32Bits(rowWise[i])) { failures.Add($"{where}: value {i} is {actual[i]:R}, the row-wise TensorPrimitives calls give {rowWise[i]:R}"); return; }
        }
    }
}
