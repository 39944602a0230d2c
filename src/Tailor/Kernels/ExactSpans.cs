using System.Numerics;
using System.Runtime.CompilerServices;

namespace Tailor.Kernels;

/// <summary>
/// Span operations whose result does not depend on the order of the work (element-wise sums, a maximum,
/// a finiteness check), written here rather than called from TensorPrimitives: its generic code is IL
/// only and starts unoptimised in a program with .NET's default settings, while these loops are marked to
/// be compiled fully at once. Each gives exactly TensorPrimitives' bits (<c>ExactSpansTests</c>).
/// </summary>
internal static class ExactSpans
{
    /// <summary>destination[i] += source[i]: one IEEE addition per element, as TensorPrimitives.Add(destination, source, destination).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddTo(Span<float> destination, ReadOnlySpan<float> source)
    {
        if (source.Length != destination.Length) throw new ArgumentException($"Adding {source.Length} values to {destination.Length}.");
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (int n = Vector<float>.Count; i <= destination.Length - n; i += n)
                (new Vector<float>(destination[i..]) + new Vector<float>(source[i..])).CopyTo(destination[i..]);
        for (; i < destination.Length; i++) destination[i] += source[i];
    }

    /// <summary>Whether every value is finite (no NaN, no infinity): x - x is 0 exactly for those, NaN otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var zero = Vector<float>.Zero;
            for (int n = Vector<float>.Count; i <= values.Length - n; i += n)
            {
                var v = new Vector<float>(values[i..]);
                if (!Vector.EqualsAll(v - v, zero)) return false;
            }
        }
        for (; i < values.Length; i++) if (!float.IsFinite(values[i])) return false;
        return true;
    }

    /// <summary>
    /// The largest value, NaN if any is (as TensorPrimitives.Max); which of +0 and -0 it returns for a tie may
    /// differ, which no caller here can see (they subtract it, and x - 0 equals x - (-0) but for x = -0, whose
    /// exponential is 1 either way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Max(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("The maximum of no values.");
        float max = values[0];
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (float.IsNaN(v)) return v;
            if (v > max) max = v;
        }
        return max;
    }
}
