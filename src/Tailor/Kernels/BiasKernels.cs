using System.Numerics.Tensors;

namespace Tailor.Kernels;

/// <summary>Bias over the last axis of a row-major matrix.</summary>
public static class BiasKernels
{
    /// <summary>Effectively computes matrix[r, j] += bias[j] for every row r.</summary>
    public static void AddRows(Span<float> matrix, ReadOnlySpan<float> bias)
    {
        int n = bias.Length;
        for (int r = 0; r < matrix.Length; r += n)
        {
            var row = matrix.Slice(r, n);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>Effectively computes sums[j] = sum over rows r of matrix[r, j], rows in order.</summary>
    public static void SumRows(ReadOnlySpan<float> matrix, Span<float> sums)
    {
        int n = sums.Length;
        sums.Clear();
        for (int r = 0; r < matrix.Length; r += n) TensorPrimitives.Add(sums, matrix.Slice(r, n), sums);
    }
}
