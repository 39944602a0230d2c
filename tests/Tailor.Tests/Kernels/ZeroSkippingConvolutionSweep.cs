using Tailor.Common;
using Tailor.Kernels;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Kernels;

/// <summary>
/// A convolution's gradients that sum only where the output gradient is not zero, under the active instruction set:
/// with AVX-512, the bits of Gemm (and Im2Col's fold) and within float rounding of the scalar reference (sums in
/// double of the im2col patches), on odd images, strides, filter counts and batches; without it, declined, so that
/// the layer runs Gemm. Shared with Tailor.KernelCheck, which runs it under each instruction set.
/// </summary>
internal static class ZeroSkippingConvolutionSweep
{
    /// <summary>(height, width, channels, kernel, stride, filters): patches of 1 to 18 vectors, filters around a 64-bit word.</summary>
    public static readonly (int H, int W, int C, int K, int Stride, int Filters)[] Shapes =
    [
        (5, 7, 16, 1, 1, 1), (6, 5, 16, 2, 1, 3), (7, 9, 32, 3, 1, 17), (13, 13, 32, 3, 1, 64), (11, 8, 48, 3, 2, 65), (9, 10, 16, 3, 3, 33),
    ];

    public static List<string> Run()
    {
        var failures = new List<string>();
        var rng = new Rng(2031);
        bool skips = KernelIsa.Active == Isa.Avx512;
        foreach (var (h, w, c, k, stride, filters) in Shapes)
        foreach (int batch in new[] { 1, 2 })
        {
            var g = ConvGeometry.Create(h, w, c, k, k, stride, stride, Padding.Valid);
            int rows = batch * g.OutputPositions, patch = g.PatchLength, positions = g.OutputPositions;
            string at = $"{h}x{w}x{c}, kernel {k}, stride {stride}, {filters} filters, batch {batch}";
            var input = RandomData.Uniform(rng, batch * g.InputLength);
            var dz = RandomData.ZeroShare(rng, RandomData.Uniform(rng, rows * filters), 0.8);
            var kernelT = RandomData.Uniform(rng, filters * patch);
            var cols = new float[rows * patch];
            for (int s = 0; s < batch; s++)
                Im2Col.Expand(g, input.AsSpan(s * g.InputLength, g.InputLength), cols.AsSpan(s * positions * patch, positions * patch));

            // The input gradient: dz kernel^T, folded.
            var products = new float[rows * patch];
            Gemm.Multiply(false, false, rows, patch, filters, dz, filters, kernelT, patch, products, patch);
            var expected = Fold(g, batch, products);
            var reference = new float[rows * patch];
            GemmReference.Multiply(false, false, rows, patch, filters, dz, filters, kernelT, patch, reference, patch);
            var actual = new float[batch * g.InputLength];
            bool took = new ZeroSkippingConvolution().TryInputGradient(g, batch, dz, filters, kernelT, new float[patch], actual);
            Check(failures, $"input gradient, {at}", skips, took, expected, actual, Fold(g, batch, reference));

            // The kernel gradient: patches^T dz, the patches read in place.
            var rowOffsets = new int[rows];
            PatchOffsets.Rows(g, batch, rowOffsets);
            var colOffsets = new int[patch];
            PatchOffsets.Columns(g, colOffsets);
            var kernelExpected = new float[patch * filters];
            Gemm.MultiplyPatches(true, filters, input, rowOffsets, colOffsets, dz, filters, kernelExpected, filters, false, default, false);
            var kernelReference = new float[patch * filters];
            GemmReference.Multiply(true, false, patch, filters, rows, cols, patch, dz, filters, kernelReference, filters);
            var kernelActual = new float[patch * filters];
            took = new ZeroSkippingConvolution().TryKernelGradient(input, rowOffsets, colOffsets, dz, filters, kernelActual);
            Check(failures, $"kernel gradient, {at}", skips, took, kernelExpected, kernelActual, kernelReference);
        }
        return failures;
    }

    private static float[] Fold(ConvGeometry g, int batch, float[] cols)
    {
        int colsLength = g.OutputPositions * g.PatchLength;
        var images = new float[batch * g.InputLength];
        for (int s = 0; s < batch; s++) Im2Col.Fold(g, cols.AsSpan(s * colsLength, colsLength), images.AsSpan(s * g.InputLength, g.InputLength));
        return images;
    }

    private static void Check(List<string> failures, string what, bool skips, bool took, float[] expected, float[] actual, float[] reference)
    {
        if (took != skips)
        {
            failures.Add($"ZeroSkippingConvolution {what}: {(took ? "took" : "declined")} the product under {KernelIsa.Active}");
            return;
        }
        if (!took) return;
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                failures.Add($"ZeroSkippingConvolution {what} [{i}]: {actual[i]:R}, Gemm {expected[i]:R}");
                return;
            }
            if (MathF.Abs(actual[i] - reference[i]) > 1e-4f * (1 + MathF.Abs(reference[i])))
            {
                failures.Add($"ZeroSkippingConvolution {what} [{i}]: {actual[i]:R}, scalar reference {reference[i]:R}");
                return;
            }
        }
    }
}
