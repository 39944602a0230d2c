using Tailor.Kernels;
using Tailor.Threading;

namespace Tailor.Tests.Kernels;

/// <summary>Gemm.Multiply against its scalar reference under every kernel path this machine has.</summary>
[Collection(GlobalSwitches.Name)]
public class GemmTests
{
    public static TheoryData<bool, bool, bool> Modes()
    {
        var data = new TheoryData<bool, bool, bool>();
        foreach (bool transA in new[] { false, true })
        foreach (bool transB in new[] { false, true })
        foreach (bool accumulate in new[] { false, true })
            data.Add(transA, transB, accumulate);
        return data;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Equals_the_scalar_reference_under_every_supported_path(bool transA, bool transB, bool accumulate)
    {
        var failures = GemmSweep.Run(GemmSweep.SupportedIsas(), transA, transB, accumulate);
        Assert.True(failures.Count == 0, $"{failures.Count} failures:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(10))}");
    }

    [Fact]
    public void The_sweep_covers_every_path_up_to_the_detected_one_and_the_k_chunk_path()
    {
        var isas = GemmSweep.SupportedIsas();
        Assert.Equal(Isa.Portable, isas[0]);
        Assert.Equal(KernelIsa.Detected, isas[^1]);
        Assert.Equal((int)KernelIsa.Detected + 1, isas.Count);

        // Few row blocks and k >= 4096 cut k into chunks summed in a fixed order; the row block depends on the path's tile.
        foreach (var isa in isas)
        {
            int mr = GemmMicroKernels.TileFor(isa).Mr, mc = Math.Max(mr, Gemm.McTarget / mr * mr);
            var chunks = GemmSweep.KChunkShapes.Select(s => Gemm.KChunks(s.M, s.K, mc)).ToList();
            Assert.True(chunks.Count(c => c > 1) >= 3, $"{isa}: chunks per shape {string.Join(", ", chunks)}");
            Assert.Contains(8, chunks);
        }
        foreach (int size in GemmSweep.Sizes)
        {
            Assert.Contains(GemmSweep.Shapes, s => s.M == size);
            Assert.Contains(GemmSweep.Shapes, s => s.N == size);
            Assert.Contains(GemmSweep.Shapes, s => s.K == size);
        }
        Assert.Contains(GemmSweep.Shapes, s => s.ExtraA > 0 && s.ExtraB > 0 && s.ExtraC > 0);
    }

    [Fact]
    public void Results_are_the_same_bits_for_one_thread_and_two_on_every_path()
    {
        var saved = (KernelIsa.Active, WorkerPool.Threads);
        try
        {
            foreach (var isa in GemmSweep.SupportedIsas())
            foreach (var shape in GemmSweep.KChunkShapes.Append(new GemmShape(257, 100, 128, 0, 0, 0)))
            {
                KernelIsa.Active = isa;
                var rng = new Common.Rng(3);
                var a = Reference.RandomData.Uniform(rng, shape.M * shape.K);
                var b = Reference.RandomData.Uniform(rng, shape.K * shape.N);
                var one = new float[shape.M * shape.N];
                var two = new float[shape.M * shape.N];
                WorkerPool.Threads = 1;
                Gemm.Multiply(false, false, shape.M, shape.N, shape.K, a, shape.K, b, shape.N, one, shape.N);
                WorkerPool.Threads = 2;
                Gemm.Multiply(false, false, shape.M, shape.N, shape.K, a, shape.K, b, shape.N, two, shape.N);
                Assert.True(one.AsSpan().SequenceEqual(two), $"{isa} {shape}: one thread and two threads differ");
            }
        }
        finally
        {
            (KernelIsa.Active, WorkerPool.Threads) = saved;
        }
    }

    [Fact]
    public void A_rows_bits_do_not_depend_on_the_rows_multiplied_beside_it_on_every_path()
    {
        // Row i of C from an edge tile, a lone last row or a full tile: the same sums in the same order. This is what
        // keeps Predict's outputs the same at batch 1 and batch 64 (121 positions = 15 tiles of 8 and one row).
        var saved = (KernelIsa.Active, WorkerPool.Threads);
        try
        {
            foreach (var isa in GemmSweep.SupportedIsas())
            foreach (int k in new[] { 9, 288, 576 })
            foreach (int n in new[] { 64, 40 })
            foreach (bool accumulate in new[] { false, true })
            {
                (KernelIsa.Active, WorkerPool.Threads) = (isa, 2);
                const int all = 130;
                var rng = new Common.Rng(7);
                var a = Reference.RandomData.Uniform(rng, all * k);
                var b = Reference.RandomData.Uniform(rng, k * n);
                var start = Reference.RandomData.Uniform(rng, all * n);
                var whole = (float[])start.Clone();
                Gemm.Multiply(false, false, all, n, k, a, k, b, n, whole, n, accumulate);
                foreach (int m in new[] { 1, 2, 7, 9, 17, 121 })
                {
                    var part = (float[])start.Clone();
                    Gemm.Multiply(false, false, m, n, k, a, k, b, n, part, n, accumulate);
                    Assert.True(part.AsSpan(0, m * n).SequenceEqual(whole.AsSpan(0, m * n)), $"{isa}, m {m}, k {k}, n {n}, accumulate {accumulate}: the first rows differ");
                }
            }
        }
        finally
        {
            (KernelIsa.Active, WorkerPool.Threads) = saved;
        }
    }

    [Fact]
    public void Empty_k_clears_or_keeps_C_and_empty_m_or_n_touch_nothing()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Gemm.Multiply(false, false, 2, 2, 0, [], 0, [], 2, c, 2, accumulate: true);
        Assert.Equal([1f, 2, 3, 4], c);
        Gemm.Multiply(false, false, 2, 2, 0, [], 0, [], 2, c, 2, accumulate: false);
        Assert.Equal([0f, 0, 0, 0], c);
        c[0] = 9;
        Gemm.Multiply(false, false, 0, 2, 3, [], 3, new float[6], 2, c, 2);
        Assert.Equal(9, c[0]);
    }

    [Fact]
    public void Operands_too_small_or_with_short_leading_dimensions_are_refused_by_name()
    {
        var big = new float[100];
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 4, 5, big, 4, big, 4, big, 4));
        Assert.Contains("`a`", e.Message);
        Assert.Contains("leading dimension 4, less than its 5 columns", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 3, 4, 5, big, 5, new float[19], 4, big, 4));
        Assert.Contains("`b`", e.Message);
        Assert.Contains("needs 20 values, received 19", e.Message);
    }

    [Theory]
    [InlineData("Avx512", 9, 2, 2, 2)]
    [InlineData("Avx2", 1, 4, 2, 2)]
    [InlineData("Avx512", 8, 2, 2, 1)]
    [InlineData("Avx512", 9, 1, 2, 1)]
    [InlineData("Portable", 9, 2, 2, 1)]
    [InlineData("Avx512", 3, 4, 4, 4)]
    [InlineData("Avx512", 3, 9, 1, 1)]
    [InlineData("Avx512", 33, 2, 2, 1)]
    public void Row_tasks_the_threads_cannot_share_evenly_are_cut_by_columns(string isa, int rowTasks, int panels, int threads, int expected)
    {
        Assert.Equal(expected, Gemm.ColumnBlocks(Enum.Parse<Isa>(isa), rowTasks, panels, threads));
    }

    [Fact]
    public void Tasks_cut_by_columns_give_the_bits_of_one_thread_and_add_the_bias_once()
    {
        // 90 rows are one row block: on two threads its two 32-column halves are two tasks, each with its epilogue.
        // Fewer rows than a tile a thread (9: the CNN's third convolution at batch 1; 1; 15) are cut by columns alone.
        var saved = (KernelIsa.Active, WorkerPool.Threads);
        try
        {
            foreach (var isa in GemmSweep.SupportedIsas())
            foreach (var (m, n, k) in new[] { (90, 64, 200), (90, 77, 300), (300, 64, 100), (9, 64, 576), (1, 100, 4000), (15, 70, 300) })
            foreach (bool accumulate in new[] { false, true })
            {
                KernelIsa.Active = isa;
                var rng = new Common.Rng(17);
                var a = Reference.RandomData.Uniform(rng, m * k);
                var b = Reference.RandomData.Uniform(rng, k * n);
                var bias = Reference.RandomData.Uniform(rng, n);
                var start = Reference.RandomData.Uniform(rng, m * n);
                var expected = (float[])start.Clone();
                GemmReference.Multiply(false, false, m, n, k, a, k, b, n, expected, n, accumulate);
                for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    expected[i * n + j] = Math.Max(expected[i * n + j] + bias[j], 0);
                var one = (float[])start.Clone();
                var two = (float[])start.Clone();
                WorkerPool.Threads = 1;
                Gemm.Multiply(false, false, m, n, k, a, k, b, n, one, n, accumulate, bias, relu: true);
                WorkerPool.Threads = 2;
                Gemm.Multiply(false, false, m, n, k, a, k, b, n, two, n, accumulate, bias, relu: true);
                Assert.True(one.AsSpan().SequenceEqual(two), $"{isa} {m}x{n}x{k}: one thread and two threads differ");
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(Math.Abs(expected[i] - two[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"{isa} {m}x{n}x{k}, value {i}: {two[i]}, expected {expected[i]}");
            }
        }
        finally
        {
            (KernelIsa.Active, WorkerPool.Threads) = saved;
        }
    }
}
