using System.Runtime.CompilerServices;

namespace Tailor.Kernels;

/// <summary>Partial sums reduced in a fixed order, so a sum split over tasks has the same bits whatever ran them.</summary>
internal static class PartialSums
{
    /// <summary>destination = parts[0] + parts[1] + ... + parts[count - 1], each part of destination.Length values, added in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddInOrder(ReadOnlySpan<float> parts, int count, Span<float> destination)
    {
        int length = destination.Length;
        parts[..length].CopyTo(destination);
        for (int p = 1; p < count; p++) ExactSpans.AddTo(destination, parts.Slice(p * length, length));
    }
}
