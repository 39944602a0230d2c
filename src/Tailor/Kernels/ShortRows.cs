using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Tailor.Kernels;

/// <summary>
/// Elementwise work on short rows (a pixel's 32 or 64 channels) inline: a library call per row cost
/// more than its few additions where a layer makes tens of thousands of them per batch.
/// </summary>
internal static unsafe class ShortRows
{
    /// <summary>dst[j] += src[j] for j &lt; n; each element is one addition, whatever the vector width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(float* dst, float* src, int n)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; j <= n - 16; j += 16) (Vector512.Load(dst + j) + Vector512.Load(src + j)).Store(dst + j);
        if (Vector256.IsHardwareAccelerated)
            for (; j <= n - 8; j += 8) (Vector256.Load(dst + j) + Vector256.Load(src + j)).Store(dst + j);
        for (; j < n; j++) dst[j] += src[j];
    }

    /// <summary>
    /// destination[j] = source[j] for j &lt; source.Length, inline: im2col copies a kernel row (3 x 32 values
    /// for the CNN's second convolution) 363 times an image, where a library call per row cost more than the copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Copy(ReadOnlySpan<float> source, Span<float> destination)
    {
        int n = source.Length;
        if (destination.Length < n) throw new ArgumentException($"ShortRows.Copy of {n} values into {destination.Length}.");
        fixed (float* src = source, dst = destination)
        {
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
                for (; j <= n - 16; j += 16) Vector512.Load(src + j).Store(dst + j);
            if (Vector256.IsHardwareAccelerated)
                for (; j <= n - 8; j += 8) Vector256.Load(src + j).Store(dst + j);
            if (Vector128.IsHardwareAccelerated)
                for (; j <= n - 4; j += 4) Vector128.Load(src + j).Store(dst + j);
            for (; j < n; j++) dst[j] = src[j];
        }
    }
}
