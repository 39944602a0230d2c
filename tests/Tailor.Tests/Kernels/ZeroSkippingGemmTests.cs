using Tailor.Kernels;
using Tailor.Threading;

namespace Tailor.Tests.Kernels;

/// <summary>ZeroSkippingGemm against Gemm (itself checked against the scalar reference): the same bits, on odd sizes.</summary>
[Collection(GlobalSwitches.Name)]
public class ZeroSkippingGemmTests
{
    private static float[] Sparse(Random rng, int length, double zeros)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = rng.NextDouble() < zeros ? 0f : (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static float[] Dense(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (var (rows, k, n) in new[]
        {
            (1, 1, 16), (2, 63, 16), (3, 64, 32), (5, 65, 48), (17, 255, 128), (31, 256, 144), (64, 257, 64),
            (128, 784, 128), (129, 700, 272), (300, 130, 16), (513, 47, 128), (128, 128, 64), (9, 131, 80), (40, 300, 192),
        })
            data.Add(rows, k, n);
        return data;
    }

    /// <summary>Its kernels are AVX-512 only; elsewhere it declines and Gemm runs, as the test of what it declines shows.</summary>
    private static void SkipWithoutAvx512() =>
        Skip.IfNot(KernelIsa.Detected == Isa.Avx512, $"ZeroSkippingGemm's kernels need AVX-512; this process detected {KernelIsa.Detected}.");

    [SkippableTheory]
    [MemberData(nameof(Shapes))]
    public void Both_products_give_the_bits_of_Gemm(int rows, int k, int n)
    {
        SkipWithoutAvx512();
        int savedThreads = WorkerPool.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            foreach (bool relu in new[] { false, true })
            {
                WorkerPool.Threads = threads;
                var rng = new Random(rows * 7919 + k * 31 + n + (relu ? 1 : 0));
                var x = Sparse(rng, rows * k, zeros: 0.55);
                x[rng.Next(x.Length)] = -0f;
                var w = Dense(rng, k * n);
                var bias = relu ? Dense(rng, n) : [];
                var dz = Dense(rng, rows * n);

                var expected = new float[rows * n];
                Gemm.Multiply(false, false, rows, n, k, x, k, w, n, expected, n, false, bias, relu);
                var skipping = new ZeroSkippingGemm();
                var actual = new float[rows * n];
                Assert.True(skipping.TryForward(x, rows, k, w, n, actual, bias, relu), $"density {skipping.Density}");
                Assert.Equal(BitsOf(expected), BitsOf(actual));

                var expectedGradient = new float[k * n];
                Gemm.Multiply(true, false, k, n, rows, x, k, dz, n, expectedGradient, n);
                var actualGradient = Enumerable.Repeat(float.NaN, k * n).ToArray();
                Assert.True(skipping.TryTransposedLeft(x, rows, k, dz, n, actualGradient));
                Assert.Equal(BitsOf(expectedGradient), BitsOf(actualGradient));

                // And both near the scalar reference (sums in double), which Gemm is tested against.
                var reference = new float[rows * n];
                GemmReference.Multiply(false, false, rows, n, k, x, k, w, n, reference, n);
                for (int i = 0; i < reference.Length; i++)
                {
                    float r = reference[i] + (relu ? bias[i % n] : 0);
                    if (relu) r = MathF.Max(r, 0);
                    Assert.True(MathF.Abs(r - actual[i]) <= 1e-4f * (1 + MathF.Abs(r)), $"forward [{i}]: {actual[i]} vs reference {r}");
                }
                var referenceGradient = new float[k * n];
                GemmReference.Multiply(true, false, k, n, rows, x, k, dz, n, referenceGradient, n);
                for (int i = 0; i < referenceGradient.Length; i++)
                    Assert.True(MathF.Abs(referenceGradient[i] - actualGradient[i]) <= 1e-4f * (1 + MathF.Abs(referenceGradient[i])), $"gradient [{i}]: {actualGradient[i]} vs reference {referenceGradient[i]}");
            }
        }
        finally { WorkerPool.Threads = savedThreads; }
    }

    [SkippableTheory]
    [InlineData(128, 784, 128)]
    [InlineData(77, 301, 64)]
    public void Columns_of_very_different_sparsity_give_the_bits_of_Gemm(int rows, int k, int n)
    {
        SkipWithoutAvx512();
        int savedThreads = WorkerPool.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                WorkerPool.Threads = threads;
                // The first tenth of x's columns dense, the rest almost empty: the transposed product's tasks are cut unevenly.
                var rng = new Random(rows + k + n);
                var x = new float[rows * k];
                for (int r = 0; r < rows; r++)
                for (int c = 0; c < k; c++)
                    if (c < k / 10 || rng.NextDouble() < 0.05) x[r * k + c] = (float)(rng.NextDouble() * 2 - 1);
                var w = Dense(rng, k * n);
                var dz = Dense(rng, rows * n);
                var skipping = new ZeroSkippingGemm();
                Assert.True(skipping.TryForward(x, rows, k, w, n, new float[rows * n], default, relu: false), $"density {skipping.Density}");
                var expected = new float[k * n];
                Gemm.Multiply(true, false, k, n, rows, x, k, dz, n, expected, n);
                var actual = Enumerable.Repeat(float.NaN, k * n).ToArray();
                Assert.True(skipping.TryTransposedLeft(x, rows, k, dz, n, actual));
                Assert.Equal(BitsOf(expected), BitsOf(actual));
            }
        }
        finally { WorkerPool.Threads = savedThreads; }
    }

    [Theory]
    [InlineData(new long[] { 5, 5, 5, 5 }, 2, new[] { 0, 2, 4 })]
    [InlineData(new long[] { 100, 1, 1, 1, 1, 1, 1, 1 }, 2, new[] { 0, 1, 8 })]
    [InlineData(new long[] { 1, 1, 1, 1, 1, 1, 1, 100 }, 2, new[] { 0, 7, 8 })]
    [InlineData(new long[] { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3 }, 3, new[] { 0, 5, 7, 10 })]
    [InlineData(new long[] { 7 }, 3, new[] { 0, 0, 1, 1 })]
    public void CutByWork_cuts_in_order_at_the_boundary_nearest_each_share(long[] work, int parts, int[] expected)
    {
        var first = new int[parts + 1];
        ZeroSkippingGemm.CutByWork(work, first);
        Assert.Equal(expected, first);
    }

    [Fact]
    public void CutByWork_keeps_every_run_within_one_item_of_its_share()
    {
        var rng = new Random(6);
        for (int trial = 0; trial < 200; trial++)
        {
            var work = Enumerable.Range(0, rng.Next(1, 400)).Select(_ => (long)rng.Next(1, 1000)).ToArray();
            int parts = rng.Next(1, 60);
            var first = new int[parts + 1];
            ZeroSkippingGemm.CutByWork(work, first);
            Assert.Equal(0, first[0]);
            Assert.Equal(work.Length, first[parts]);
            long total = work.Sum(), before = 0;
            for (int t = 1; t < parts; t++)
            {
                Assert.True(first[t] >= first[t - 1]);
                before = work.Take(first[t]).Sum();
                long target = total * t / parts;
                // No boundary is nearer the target than the cut taken.
                if (first[t] > 0) Assert.True(Math.Abs(before - target) <= Math.Abs(before - work[first[t] - 1] - target), $"cut {t} at {first[t]}");
                if (first[t] < work.Length) Assert.True(Math.Abs(before - target) <= Math.Abs(before + work[first[t]] - target), $"cut {t} at {first[t]}");
            }
        }
    }

    [SkippableFact]
    public void A_NaN_in_x_reaches_the_output_as_in_Gemm()
    {
        SkipWithoutAvx512();
        var rng = new Random(3);
        int rows = 4, k = 100, n = 32;
        var x = Sparse(rng, rows * k, 0.6);
        x[1 * k + 7] = float.NaN;
        var w = Dense(rng, k * n);
        var expected = new float[rows * n];
        Gemm.Multiply(false, false, rows, n, k, x, k, w, n, expected, n);
        var actual = new float[rows * n];
        Assert.True(new ZeroSkippingGemm().TryForward(x, rows, k, w, n, actual, default, relu: false));
        Assert.Equal(BitsOf(expected), BitsOf(actual));
        Assert.All(actual.AsSpan(n, n).ToArray(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void It_declines_a_non_finite_other_operand_a_dense_x_and_an_unsuited_width()
    {
        var rng = new Random(4);
        int rows = 8, k = 64, n = 32;
        var x = Sparse(rng, rows * k, 0.6);
        var w = Dense(rng, k * n);
        var c = new float[rows * n];
        var skipping = new ZeroSkippingGemm();

        w[5] = float.PositiveInfinity; // 0 x inf is NaN: skipping that term would hide it.
        Assert.False(skipping.TryForward(x, rows, k, w, n, c, default, false));
        w[5] = 1;
        Assert.False(skipping.TryForward(Dense(rng, rows * k), rows, k, w, n, c, default, false));
        Assert.False(skipping.TryForward(x, rows, k, new float[k * 24], 24, new float[rows * 24], default, false));
        Assert.False(skipping.TryTransposedLeft(x, rows, k, new float[rows * n], n, new float[k * n])); // no forward for this x
    }

    [SkippableFact]
    public void After_a_forward_it_declines_a_non_finite_gradient_and_a_narrower_path()
    {
        SkipWithoutAvx512();
        var rng = new Random(4);
        int rows = 8, k = 64, n = 32;
        var x = Sparse(rng, rows * k, 0.6);
        var w = Dense(rng, k * n);
        var c = new float[rows * n];
        var skipping = new ZeroSkippingGemm();
        Assert.True(skipping.TryForward(x, rows, k, w, n, c, default, false));
        var dz = Dense(rng, rows * n);
        dz[9] = float.NaN;
        Assert.False(skipping.TryTransposedLeft(x, rows, k, dz, n, new float[k * n]));

        int saved = (int)KernelIsa.Active;
        try
        {
            KernelIsa.Active = Isa.Avx2;
            Assert.False(skipping.TryForward(x, rows, k, w, n, c, default, false));
        }
        finally { KernelIsa.Active = (Isa)saved; }
    }

    private static int[] BitsOf(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
