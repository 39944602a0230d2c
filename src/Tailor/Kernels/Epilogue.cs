using System.Numerics.Tensors;

namespace Tailor.Kernels;

/// <summary>Bias and ReLU applied to a row of a product, fused into the GEMM so the row is still in cache.</summary>
internal static class Epilogue
{
    /// <summary>Effectively computes row[j] = relu ? max(row[j] + bias[j], 0) : row[j] + bias[j].</summary>
    public static void Apply(Span<float> row, ReadOnlySpan<float> bias, bool relu)
    {
        if (!bias.IsEmpty) TensorPrimitives.Add(row, bias, row);
        if (relu) TensorPrimitives.Max(row, 0f, row);
    }
}
