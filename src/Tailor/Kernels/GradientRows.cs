using System.Runtime.CompilerServices;
using Tailor.Threading;

namespace Tailor.Kernels;

/// <summary>
/// The backward step shared by Dense and Conv2D over rows of n values: dz = dy masked by relu (or
/// copied) and the bias gradient as column sums of dz. Rows are cut into fixed chunks whose partial
/// sums are added in chunk order, so the result does not depend on the number of threads.
/// </summary>
internal static unsafe class GradientRows
{
    /// <summary>A chunk is a <see cref="Gemm"/> k block, so the one-channel convolution's bias sums, cut by Gemm's blocks, add the same partials.</summary>
    internal const int RowsPerChunk = Gemm.Kc;

    [ThreadStatic] private static Job? _job;

    /// <summary>
    /// Effectively computes dz[r, j] = (relu ? (y[r, j] > 0 ? dy[r, j] : 0) : dy[r, j]) and, when
    /// columnSums is not empty, columnSums[j] = sum over r of dz[r, j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaskAndSum(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, Span<float> columnSums, int n, bool relu)
    {
        int rows = dy.Length / n;
        int chunks = (rows + RowsPerChunk - 1) / RowsPerChunk;
        var job = _job ??= new Job();
        if (job.Partials.Length < chunks * n) job.Partials = new float[chunks * n];
        fixed (float* py = y, pdy = dy, pdz = dz)
        {
            job.Y = py; job.Dy = pdy; job.Dz = pdz; job.N = n; job.Rows = rows; job.Relu = relu; job.Sum = !columnSums.IsEmpty;
            WorkerPool.Run(job, chunks);
            job.Y = job.Dy = job.Dz = null;
        }
        if (columnSums.IsEmpty) return;
        PartialSums.AddInOrder(job.Partials, chunks, columnSums[..n]);
    }

    private sealed class Job : ParallelJob
    {
        public float* Y, Dy, Dz;
        public int N, Rows;
        public bool Relu, Sum;
        public float[] Partials = [];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int chunk)
        {
            int r0 = chunk * RowsPerChunk, r1 = Math.Min(Rows, r0 + RowsPerChunk), n = N;
            long offset = (long)r0 * n, length = (long)(r1 - r0) * n;
            var dz = new Span<float>(Dz + offset, (int)length);
            var dy = new ReadOnlySpan<float>(Dy + offset, (int)length);
            if (Relu) Activations.ReluBackward(new ReadOnlySpan<float>(Y + offset, (int)length), dy, dz);
            else if (Dz != Dy) dy.CopyTo(dz);
            if (!Sum) return;
            var partial = Partials.AsSpan(chunk * n, n);
            partial.Clear();
            fixed (float* pp = partial) AddRows(pp, Dz + offset, r1 - r0, n);
        }
    }

    /// <summary>sum[j] += rows[r * n + j] for each row in order, so each column sums in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddRows(float* sum, float* rows, int count, int n)
    {
        for (int r = 0; r < count; r++) ShortRows.Add(sum, rows + (long)r * n, n);
    }
}
