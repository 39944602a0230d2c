using Tailor.Common;
using Tailor.Kernels;
using Tailor.Threading;

namespace Tailor.Tests.Kernels;

/// <summary>
/// Patches read in place (<see cref="PatchOffsets"/>, <see cref="Gemm.MultiplyPatches"/>): the offsets address
/// exactly im2col's values, and the products are the bits of the products of the im2col copy, on every kernel
/// path, on 1 and 2 threads, and within float rounding of the scalar reference.
/// </summary>
[Collection(GlobalSwitches.Name)]
public class PatchOffsetsTests
{
    /// <summary>Geometries whose windows stay inside the image: odd sizes and channels, strides and dilations, tiles across kernel rows.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int> InsideGeometries() => new()
    {
        // h, w, c, kh, kw, sh, sw, dh, dw
        { 13, 13, 32, 3, 3, 1, 1, 1, 1 },
        { 5, 5, 64, 3, 3, 1, 1, 1, 1 },
        { 9, 7, 3, 3, 2, 1, 1, 1, 1 },
        { 11, 10, 5, 2, 3, 2, 3, 1, 1 },
        { 12, 9, 1, 3, 3, 1, 2, 2, 1 },
        { 7, 9, 7, 1, 1, 1, 1, 1, 1 },
        { 1, 31, 9, 1, 5, 1, 2, 1, 2 },
    };

    private static ConvGeometry Geometry(int h, int w, int c, int kh, int kw, int sh, int sw, int dh, int dw) =>
        ConvGeometry.Create(h, w, c, kh, kw, sh, sw, Padding.Valid, dh, dw);

    private static float[] Im2ColOf(in ConvGeometry g, int batch, float[] input)
    {
        int colsLength = g.OutputPositions * g.PatchLength;
        var cols = new float[batch * colsLength];
        for (int s = 0; s < batch; s++)
            Im2Col.Expand(g, input.AsSpan(s * g.InputLength, g.InputLength), cols.AsSpan(s * colsLength, colsLength));
        return cols;
    }

    private static (int[] Rows, int[] Columns) Offsets(in ConvGeometry g, int batch)
    {
        var rows = new int[batch * g.OutputPositions];
        var columns = new int[g.PatchLength];
        PatchOffsets.Rows(g, batch, rows);
        PatchOffsets.Columns(g, columns);
        return (rows, columns);
    }

    [Theory]
    [MemberData(nameof(InsideGeometries))]
    public void Offsets_address_every_im2col_value(int h, int w, int c, int kh, int kw, int sh, int sw, int dh, int dw)
    {
        var g = Geometry(h, w, c, kh, kw, sh, sw, dh, dw);
        const int batch = 3;
        Assert.True(PatchOffsets.InPlace(g, batch));
        var input = Reference.RandomData.Uniform(new Rng(5), batch * g.InputLength);
        var cols = Im2ColOf(g, batch, input);
        var (rows, columns) = Offsets(g, batch);
        for (int r = 0; r < rows.Length; r++)
        for (int p = 0; p < columns.Length; p++)
            Assert.Equal(cols[r * g.PatchLength + p], input[rows[r] + columns[p]]);
    }

    [Theory]
    [InlineData(7, 7, 2, 3, 3, 1, Padding.Same)]
    [InlineData(7, 7, 1, 2, 2, 2, Padding.Same)]
    [InlineData(6, 5, 3, 3, 3, 2, Padding.Same)]
    public void Windows_that_reach_padding_are_not_read_in_place(int h, int w, int c, int kh, int kw, int stride, Padding padding)
    {
        var g = ConvGeometry.Create(h, w, c, kh, kw, stride, stride, padding);
        Assert.False(PatchOffsets.InPlace(g, 1));
    }

    [Fact]
    public void Same_padding_that_no_window_reaches_is_read_in_place()
    {
        Assert.True(PatchOffsets.InPlace(ConvGeometry.Create(6, 6, 4, 1, 1, 1, 1, Padding.Same), 2));
    }

    [Fact]
    public void Offsets_outside_the_input_are_refused_with_their_range()
    {
        var input = new float[10];
        var c = new float[4];
        Gemm.MultiplyPatches(false, 1, input, [0, 8], [0, 1], [1f, 1f], 1, c, 1, false, default, false);
        var e = Assert.Throws<ArgumentException>(() =>
            Gemm.MultiplyPatches(false, 1, input, [0, 9], [0, 1], [1f, 1f], 1, c, 1, false, default, false));
        Assert.Contains("[0, 10]", e.Message, StringComparison.Ordinal);
        Assert.Contains("outside an input of 10 values", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() =>
            Gemm.MultiplyPatches(false, 1, input, [-1, 0], [0, 1], [1f, 1f], 1, c, 1, false, default, false));
    }

    [Theory]
    [MemberData(nameof(InsideGeometries))]
    public void Products_are_the_bits_of_the_im2col_products_on_every_path_and_thread_count(int h, int w, int c, int kh, int kw, int sh, int sw, int dh, int dw)
    {
        var g = Geometry(h, w, c, kh, kw, sh, sw, dh, dw);
        var saved = (KernelIsa.Active, WorkerPool.Threads);
        try
        {
            foreach (int batch in new[] { 1, 5 })
            foreach (int filters in new[] { 64, 17 })
            {
                var rng = new Rng((ulong)(h * 31 + c * 7 + batch * 3 + filters));
                var input = Reference.RandomData.Uniform(rng, batch * g.InputLength);
                var kernel = Reference.RandomData.Uniform(rng, g.PatchLength * filters);
                var bias = Reference.RandomData.Uniform(rng, filters);
                int rows = batch * g.OutputPositions, patch = g.PatchLength;
                var dz = Reference.RandomData.Uniform(rng, rows * filters);
                var start = Reference.RandomData.Uniform(rng, Math.Max(rows, patch) * filters);
                var cols = Im2ColOf(g, batch, input);
                var (rowOffsets, colOffsets) = Offsets(g, batch);

                var forwardReference = new float[rows * filters];
                GemmReference.Multiply(false, false, rows, filters, patch, cols, patch, kernel, filters, forwardReference, filters);
                var weightGradientReference = (float[])start.Clone();
                GemmReference.Multiply(true, false, patch, filters, rows, cols, patch, dz, filters, weightGradientReference, filters, accumulate: true);

                foreach (var isa in GemmSweep.SupportedIsas())
                foreach (int threads in new[] { 1, 2 })
                {
                    (KernelIsa.Active, WorkerPool.Threads) = (isa, threads);
                    string where = $"{isa}, {threads} thread(s), batch {batch}, {filters} filters";

                    var expected = new float[rows * filters];
                    Gemm.Multiply(false, false, rows, filters, patch, cols, patch, kernel, filters, expected, filters, false, bias, relu: true);
                    var actual = new float[rows * filters];
                    Gemm.MultiplyPatches(false, filters, input, rowOffsets, colOffsets, kernel, filters, actual, filters, false, bias, relu: true);
                    Assert.True(expected.AsSpan().SequenceEqual(actual), $"{where}: the forward product differs from im2col's");

                    var plain = new float[rows * filters];
                    Gemm.MultiplyPatches(false, filters, input, rowOffsets, colOffsets, kernel, filters, plain, filters, false, default, relu: false);
                    AssertClose(forwardReference, plain, $"{where}: forward against the reference");

                    expected = start.AsSpan(0, patch * filters).ToArray();
                    Gemm.Multiply(true, false, patch, filters, rows, cols, patch, dz, filters, expected, filters, accumulate: true);
                    actual = start.AsSpan(0, patch * filters).ToArray();
                    Gemm.MultiplyPatches(true, filters, input, rowOffsets, colOffsets, dz, filters, actual, filters, accumulate: true, default, relu: false);
                    Assert.True(expected.AsSpan().SequenceEqual(actual), $"{where}: the weight-gradient product differs from im2col's");
                    AssertClose(weightGradientReference.AsSpan(0, patch * filters).ToArray(), actual, $"{where}: weight gradient against the reference");
                }
            }
        }
        finally
        {
            (KernelIsa.Active, WorkerPool.Threads) = saved;
        }
    }

    [Fact]
    public void A_transposed_product_over_k_chunks_is_the_bits_of_im2cols()
    {
        // 5,000 positions over a patch of 3 values: few rows and a long k, which Gemm cuts into chunks.
        var g = Geometry(1, 5002, 1, 1, 3, 1, 1, 1, 1);
        Assert.True(Gemm.KChunkPlan(KernelIsa.Detected, g.PatchLength, g.OutputPositions).Chunks > 1);
        var saved = (KernelIsa.Active, WorkerPool.Threads);
        try
        {
            var rng = new Rng(11);
            var input = Reference.RandomData.Uniform(rng, g.InputLength);
            var dz = Reference.RandomData.Uniform(rng, g.OutputPositions * 5);
            var cols = Im2ColOf(g, 1, input);
            var (rowOffsets, colOffsets) = Offsets(g, 1);
            foreach (var isa in GemmSweep.SupportedIsas())
            foreach (int threads in new[] { 1, 2 })
            {
                (KernelIsa.Active, WorkerPool.Threads) = (isa, threads);
                var expected = new float[g.PatchLength * 5];
                Gemm.Multiply(true, false, g.PatchLength, 5, g.OutputPositions, cols, g.PatchLength, dz, 5, expected, 5);
                var actual = new float[g.PatchLength * 5];
                Gemm.MultiplyPatches(true, 5, input, rowOffsets, colOffsets, dz, 5, actual, 5, false, default, false);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{isa}, {threads} thread(s): differs from im2col's");
            }
        }
        finally
        {
            (KernelIsa.Active, WorkerPool.Threads) = saved;
        }
    }

    private static void AssertClose(float[] expected, float[] actual, string where)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"{where}: value {i} is {actual[i]}, expected {expected[i]}");
    }
}
