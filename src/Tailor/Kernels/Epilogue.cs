using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tailor.Kernels;

/// <summary>
/// Bias and ReLU applied to a block of rows of a product, fused into the GEMM so the block is still in
/// cache. One loop over the whole block: a library call per row cost more than the product itself for
/// the first convolution's 43,264 rows of 32.
/// </summary>
internal static unsafe class Epilogue
{
    /// <summary>
    /// Effectively computes c[i * ldc + j] = relu ? max(c + bias[j], 0) : c + bias[j] for i &lt; rows,
    /// j &lt; n (bias null: no addition), with Math.Max's rules: NaN stays NaN, -0 becomes +0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(float* c, int ldc, int rows, int n, float* bias, bool relu)
    {
        if (bias == null && !relu) return;
        for (int i = 0; i < rows; i++)
        {
            float* row = c + (long)i * ldc;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j <= n - 16; j += 16)
                {
                    var v = Vector512.Load(row + j);
                    if (bias != null) v += Vector512.Load(bias + j);
                    if (relu) v = Vector512.Max(v, Vector512<float>.Zero);
                    v.Store(row + j);
                }
            }
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= n - 8; j += 8)
                {
                    var v = Vector256.Load(row + j);
                    if (bias != null) v += Vector256.Load(bias + j);
                    if (relu) v = Vector256.Max(v, Vector256<float>.Zero);
                    v.Store(row + j);
                }
            }
            for (; j < n; j++)
            {
                float v = row[j];
                if (bias != null) v += bias[j];
                if (relu) v = MathF.Max(v, 0f);
                row[j] = v;
            }
        }
    }

    /// <summary>One row: row[j] = relu ? max(row[j] + bias[j], 0) : row[j] + bias[j] (bias empty: no addition).</summary>
    public static void Apply(Span<float> row, ReadOnlySpan<float> bias, bool relu)
    {
        fixed (float* pr = row, pb = bias)
            Apply(pr, row.Length, 1, row.Length, bias.IsEmpty ? null : pb, relu);
    }
}
