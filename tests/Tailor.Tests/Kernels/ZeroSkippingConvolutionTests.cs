using Tailor.Common;
using Tailor.Kernels;
using Tailor.Tests.Reference;
using Tailor.Threading;

namespace Tailor.Tests.Kernels;

/// <summary>
/// ZeroSkippingConvolution against Gemm and Im2Col (themselves checked against the scalar reference): the same bits
/// for a convolution's input and kernel gradients, on odd geometries, filter counts and batches.
/// </summary>
[Collection(GlobalSwitches.Name)]
public class ZeroSkippingConvolutionTests
{
    /// <summary>dz as behind a max pooling: most values exact zeros, a -0 and the rest in [-1, 1).</summary>
    private static float[] SparseGradient(Rng rng, int length, double zeros)
    {
        var x = RandomData.ZeroShare(rng, RandomData.Uniform(rng, length), zeros);
        x[rng.NextInt(length)] = -0f;
        return x;
    }

    private static void SkipWithoutAvx512() =>
        Skip.IfNot(KernelIsa.Detected == Isa.Avx512, $"ZeroSkippingConvolution's kernels need AVX-512; this process detected {KernelIsa.Detected}.");

    /// <summary>
    /// (height, width, channels, kernel h, kernel w, stride, dilation, padding, filters): the CNN's second convolution;
    /// odd images, strides and a dilation; same padding (patch rows written, then folded); kernel rows longer than 8
    /// vectors (cut into pieces of unequal size); one channel group of 16; filters from 1 to past two words of 64.
    /// </summary>
    public static TheoryData<int, int, int, int, int, int, int, Padding, int> Geometries() => new()
    {
        { 13, 13, 32, 3, 3, 1, 1, Padding.Valid, 64 },
        { 7, 9, 16, 2, 3, 1, 1, Padding.Valid, 5 },
        { 11, 10, 48, 3, 3, 2, 1, Padding.Valid, 37 },
        { 9, 9, 16, 3, 3, 1, 1, Padding.Same, 65 },
        { 9, 8, 16, 3, 3, 1, 2, Padding.Valid, 1 },
        { 6, 7, 144, 3, 3, 1, 1, Padding.Valid, 130 },
        { 5, 6, 32, 1, 1, 1, 1, Padding.Valid, 64 },
        { 8, 5, 64, 1, 4, 1, 1, Padding.Valid, 20 },
    };

    [SkippableTheory]
    [MemberData(nameof(Geometries))]
    // Kernel rows of 24 values (8 channels, 3 wide) in a patch of 48: patch rows written whole, then folded.
    [InlineData(7, 7, 8, 2, 3, 1, 1, Padding.Valid, 9)]
    public void The_input_gradient_gives_the_bits_of_Gemm_and_the_fold(int h, int w, int c, int kh, int kw, int stride, int dilation, Padding padding, int filters)
    {
        SkipWithoutAvx512();
        var g = ConvGeometry.Create(h, w, c, kh, kw, stride, stride, padding, dilation, dilation);
        foreach (int samples in new[] { 1, 3 })
            CheckInputGradient(new ZeroSkippingConvolution(), g, filters, samples);
    }

    /// <summary>One instance through patches of one length cut into 3 kernel rows, 1, and rows written whole: each its own walks.</summary>
    [SkippableFact]
    public void Walks_planned_for_one_geometry_are_not_taken_for_another_of_the_same_patch_length()
    {
        SkipWithoutAvx512();
        var skipping = new ZeroSkippingConvolution();
        foreach (var g in new[]
        {
            ConvGeometry.Create(7, 7, 16, 3, 1, 1, 1, Padding.Valid),
            ConvGeometry.Create(7, 7, 16, 1, 3, 1, 1, Padding.Valid),
            ConvGeometry.Create(7, 7, 8, 2, 3, 1, 1, Padding.Valid),
            ConvGeometry.Create(7, 7, 16, 3, 1, 1, 1, Padding.Valid),
        })
        {
            Assert.Equal(48, g.PatchLength);
            CheckInputGradient(skipping, g, filters: 7, samples: 2);
        }
    }

    private static void CheckInputGradient(ZeroSkippingConvolution skipping, ConvGeometry g, int filters, int samples)
    {
        int patch = g.PatchLength, positions = g.OutputPositions, rows = samples * positions;
        var rng = new Rng((ulong)(g.Height * 1000 + g.Channels * 10 + filters + samples));
        var dz = SparseGradient(rng, rows * filters, zeros: 0.8);
        var kernelT = RandomData.Uniform(rng, filters * patch);

        var cols = new float[rows * patch];
        Gemm.Multiply(false, false, rows, patch, filters, dz, filters, kernelT, patch, cols, patch);
        var expected = new float[samples * g.InputLength];
        for (int s = 0; s < samples; s++)
            Im2Col.Fold(g, cols.AsSpan(s * positions * patch, positions * patch), expected.AsSpan(s * g.InputLength, g.InputLength));

        var actual = Enumerable.Repeat(float.NaN, samples * g.InputLength).ToArray();
        Assert.True(skipping.TryInputGradient(g, samples, dz, filters, kernelT, new float[patch], actual));
        Assert.Equal(BitsOf(expected), BitsOf(actual));
    }

    /// <summary>The geometries whose patches are read in place (every window inside the image): the kernel gradient's.</summary>
    public static TheoryData<int, int, int, int, int, int, int, Padding, int> InPlaceGeometries()
    {
        var data = new TheoryData<int, int, int, int, int, int, int, Padding, int>();
        foreach (var row in Geometries())
            if ((Padding)row[7] == Padding.Valid)
                data.Add((int)row[0], (int)row[1], (int)row[2], (int)row[3], (int)row[4], (int)row[5], (int)row[6], (Padding)row[7], (int)row[8]);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(InPlaceGeometries))]
    public void The_kernel_gradient_gives_the_bits_of_Gemm(int h, int w, int c, int kh, int kw, int stride, int dilation, Padding padding, int filters)
    {
        SkipWithoutAvx512();
        var g = ConvGeometry.Create(h, w, c, kh, kw, stride, stride, padding, dilation, dilation);
        Assert.True(PatchOffsets.InPlace(g, 1));
        int savedThreads = WorkerPool.Threads;
        try
        {
            // 40 images of the CNN's second convolution are 4,840 patch rows: Gemm sums them in two k chunks.
            foreach (int batch in new[] { 1, 3, 40 })
            foreach (int threads in new[] { 1, 2 })
            {
                WorkerPool.Threads = threads;
                var (expected, actual, accepted) = KernelGradients(g, batch, filters, new Rng((ulong)(batch * 100 + threads + filters)), zeros: 0.8);
                Assert.True(accepted);
                Assert.Equal(BitsOf(expected), BitsOf(actual));
            }
        }
        finally { WorkerPool.Threads = savedThreads; }
    }

    [SkippableFact]
    public void The_kernel_gradient_sums_in_the_k_chunks_of_Gemm()
    {
        SkipWithoutAvx512();
        var g = ConvGeometry.Create(13, 13, 32, 3, 3, 1, 1, Padding.Valid);
        Assert.Equal(3, Gemm.KChunkPlan(Isa.Avx512, g.PatchLength, 64 * g.OutputPositions).Chunks);
        var (expected, actual, accepted) = KernelGradients(g, 64, 64, new Rng(64), zeros: 0.82);
        Assert.True(accepted);
        Assert.Equal(BitsOf(expected), BitsOf(actual));
    }

    [SkippableFact]
    public void A_NaN_in_the_output_gradient_reaches_both_gradients_as_in_Gemm()
    {
        SkipWithoutAvx512();
        var g = ConvGeometry.Create(9, 9, 16, 3, 3, 1, 1, Padding.Valid);
        int filters = 24, rows = g.OutputPositions;
        var rng = new Rng(9);
        var dz = SparseGradient(rng, rows * filters, 0.8);
        dz[5 * filters + 3] = float.NaN;
        var kernelT = RandomData.Uniform(rng, filters * g.PatchLength);
        var cols = new float[rows * g.PatchLength];
        Gemm.Multiply(false, false, rows, g.PatchLength, filters, dz, filters, kernelT, g.PatchLength, cols, g.PatchLength);
        var expected = new float[g.InputLength];
        Im2Col.Fold(g, cols, expected);
        var actual = new float[g.InputLength];
        Assert.True(new ZeroSkippingConvolution().TryInputGradient(g, 1, dz, filters, kernelT, new float[g.PatchLength], actual));
        Assert.Equal(BitsOf(expected), BitsOf(actual));
        Assert.Contains(actual, float.IsNaN);

        var (expectedKernel, actualKernel, accepted) = KernelGradients(g, 1, filters, rng, 0.8, dz);
        Assert.True(accepted);
        Assert.Equal(BitsOf(expectedKernel), BitsOf(actualKernel));
        Assert.Contains(actualKernel, float.IsNaN);
    }

    [Fact]
    public void It_declines_a_dense_gradient_a_non_finite_input_and_unsuited_sizes()
    {
        var g = ConvGeometry.Create(9, 9, 16, 3, 3, 1, 1, Padding.Valid);
        int filters = 8, rows = g.OutputPositions, patch = g.PatchLength;
        var rng = new Rng(5);
        var skipping = new ZeroSkippingConvolution();
        var image = new float[g.InputLength];
        Assert.False(skipping.TryInputGradient(g, 1, RandomData.Uniform(rng, rows * filters), filters, RandomData.Uniform(rng, filters * patch), new float[patch], image));
        // More filters than one block of terms: Gemm would sum them in blocks, which the row walk does not.
        Assert.False(skipping.TryInputGradient(g, 1, new float[rows * 257], 257, new float[257 * patch], new float[patch], image));
        // Eight channels make runs of 24 values: not whole vectors.
        var narrow = ConvGeometry.Create(9, 9, 8, 3, 3, 1, 1, Padding.Valid);
        Assert.False(skipping.TryInputGradient(narrow, 1, new float[rows * filters], filters, new float[filters * narrow.PatchLength], new float[narrow.PatchLength], image));

        var input = RandomData.Uniform(rng, g.InputLength);
        input[17] = float.PositiveInfinity; // 0 x inf is NaN: skipping that term would hide it.
        Assert.False(KernelGradients(g, 1, filters, rng, 0.8, input: input).Accepted);
        Assert.False(KernelGradients(g, 1, filters, rng, 0).Accepted);
        Assert.False(KernelGradients(narrow, 1, filters, rng, 0.8).Accepted);
    }

    /// <summary>Bits of Gemm and near the scalar reference under AVX-512, declined under the others (each ISA through Tailor.KernelCheck).</summary>
    [Fact]
    public void The_sweep_passes_under_the_active_instruction_set()
    {
        var failures = ZeroSkippingConvolutionSweep.Run();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    /// <summary>Gemm's kernel gradient of patches read in place, and ZeroSkippingConvolution's (NaN where it declined).</summary>
    private static (float[] Expected, float[] Actual, bool Accepted) KernelGradients(ConvGeometry g, int batch, int filters, Rng rng, double zeros,
        float[]? dz = null, float[]? input = null)
    {
        int rows = batch * g.OutputPositions, patch = g.PatchLength;
        input ??= RandomData.Uniform(rng, batch * g.InputLength);
        dz ??= SparseGradient(rng, rows * filters, zeros);
        var rowOffsets = new int[rows];
        PatchOffsets.Rows(g, batch, rowOffsets);
        var colOffsets = new int[patch];
        PatchOffsets.Columns(g, colOffsets);
        var expected = new float[patch * filters];
        Gemm.MultiplyPatches(true, filters, input, rowOffsets, colOffsets, dz, filters, expected, filters, accumulate: false, default, relu: false);
        var actual = Enumerable.Repeat(float.NaN, patch * filters).ToArray();
        bool accepted = new ZeroSkippingConvolution().TryKernelGradient(input, rowOffsets, colOffsets, dz, filters, actual);
        return (expected, actual, accepted);
    }

    private static int[] BitsOf(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
