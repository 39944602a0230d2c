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
            (128, 784, 128), (129, 700, 272), (300, 130, 16), (513, 47, 128),
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

    [Fact]
    public unsafe void Transpose64_moves_bit_j_of_word_i_to_bit_i_of_word_j()
    {
        var rng = new Random(5);
        var words = new ulong[64];
        for (int i = 0; i < 64; i++) words[i] = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40);
        var transposed = (ulong[])words.Clone();
        fixed (ulong* p = transposed) ZeroSkippingGemm.Transpose64(p);
        for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++)
            Assert.Equal((words[i] >> j) & 1, (transposed[j] >> i) & 1);
    }

    private static int[] BitsOf(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
