using Tailor.Common;
using Tailor.Kernels;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Kernels;

/// <summary>
/// The inference max pooling (maxima without the winners) against a scalar reference and against the
/// training kernel's maxima, bit for bit, on odd channel counts (the 16-, 8- and 4-wide vector bodies and
/// the scalar tail), odd image sizes, valid and same padding, with NaN, -0 and ties placed in the windows.
/// Shared with Tailor.KernelCheck, which runs it under each instruction set.
/// </summary>
internal static class PoolingSweep
{
    public static readonly int[] Channels = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64];

    public static readonly (int Height, int Width, int Pool, int Stride, Padding Padding)[] Windows =
    [
        (26, 26, 2, 2, Padding.Valid), (11, 11, 2, 2, Padding.Valid), (7, 9, 3, 1, Padding.Same),
        (7, 5, 3, 2, Padding.Same), (5, 7, 2, 3, Padding.Valid), (1, 1, 1, 1, Padding.Valid), (6, 6, 3, 3, Padding.Same),
    ];

    public static List<string> Run()
    {
        var failures = new List<string>();
        var rng = new Rng(2027);
        foreach (var (h, w, pool, stride, padding) in Windows)
        foreach (int c in Channels)
        {
            var g = ConvGeometry.Create(h, w, c, pool, pool, stride, stride, padding);
            // Values from a few levels, so windows hold ties; some -0 beside +0, and a NaN here and there.
            var image = RandomData.Uniform(rng, g.InputLength, -3, 3);
            for (int i = 0; i < image.Length; i++)
            {
                image[i] = MathF.Round(image[i]);
                if (image[i] == 0 && i % 2 == 1) image[i] = -0f;
                if (i % 37 == 11) image[i] = float.NaN;
            }
            int outputs = g.OutputPositions * c;
            var expected = Reference(g, image);
            var fast = new float[outputs];
            PoolingKernels.MaxForward(g, image, fast);
            var training = new float[outputs];
            PoolingKernels.MaxForward(g, image, training, new int[outputs]);
            string where = $"MaxForward {h}x{w}x{c} pool {pool} stride {stride} {padding}";
            for (int i = 0; i < outputs; i++)
            {
                int bits = BitConverter.SingleToInt32Bits(expected[i]);
                if (BitConverter.SingleToInt32Bits(fast[i]) != bits) { failures.Add($"{where}: output {i} is {fast[i]:R}, the scalar reference gives {expected[i]:R}"); break; }
                if (BitConverter.SingleToInt32Bits(training[i]) != bits) { failures.Add($"{where}: the training kernel's output {i} is {training[i]:R}, the reference gives {expected[i]:R}"); break; }
            }
        }
        return failures;
    }

    /// <summary>Each window's cells in row order, a cell replacing the maximum only when greater (NaN compares false).</summary>
    private static float[] Reference(in ConvGeometry g, float[] image)
    {
        var output = new float[g.OutputPositions * g.Channels];
        for (int oh = 0; oh < g.OutHeight; oh++)
        for (int ow = 0; ow < g.OutWidth; ow++)
        for (int ch = 0; ch < g.Channels; ch++)
        {
            bool any = false;
            float max = 0;
            for (int kh = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                int ih = oh * g.StrideHeight + kh - g.PadTop, iw = ow * g.StrideWidth + kw - g.PadLeft;
                if (ih < 0 || ih >= g.Height || iw < 0 || iw >= g.Width) continue;
                float x = image[(ih * g.Width + iw) * g.Channels + ch];
                if (!any) { max = x; any = true; }
                else if (x > max) max = x;
            }
            output[(oh * g.OutWidth + ow) * g.Channels + ch] = max;
        }
        return output;
    }
}
