using System.Runtime.CompilerServices;
namespace Tailor.Kernels;

/// <summary>The scalar meaning of <see cref="Gemm"/>'s <c>Multiply</c>, used to test the SIMD paths.</summary>
internal static class GemmReference
{
    /// <summary>Effectively computes c[i, j] = (accumulate ? c[i, j] : 0) + sum_p op(a)[i, p] * op(b)[p, j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate = false)
    {
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = accumulate ? c[i * ldc + j] : 0;
            for (int p = 0; p < k; p++)
            {
                float x = transA ? a[p * lda + i] : a[i * lda + p];
                float y = transB ? b[j * ldb + p] : b[p * ldb + j];
                sum += (double)x * y;
            }
            c[i * ldc + j] = (float)sum;
        }
    }
}
