using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

    /// <summary>
    /// Whether every value is finite (no NaN, no infinity): x - x is +0 exactly for those and NaN otherwise, and
    /// a NaN survives every later addition, so sums of x - x stay 0 exactly when all values are finite. No
    /// branch per vector: a dense layer checks its whole kernel (100,352 values) on every call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe bool AllFinite(ReadOnlySpan<float> values)
    {
        int i = 0, n = values.Length;
        fixed (float* p = values)
        {
            if (Vector512.IsHardwareAccelerated && n >= 64)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (; i <= n - 64; i += 64)
                {
                    var v0 = Vector512.Load(p + i); var v1 = Vector512.Load(p + i + 16);
                    var v2 = Vector512.Load(p + i + 32); var v3 = Vector512.Load(p + i + 48);
                    a0 += v0 - v0; a1 += v1 - v1; a2 += v2 - v2; a3 += v3 - v3;
                }
                if (!Vector512.EqualsAll((a0 + a1) + (a2 + a3), Vector512<float>.Zero)) return false;
            }
            if (Vector256.IsHardwareAccelerated && n - i >= 32)
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (; i <= n - 32; i += 32)
                {
                    var v0 = Vector256.Load(p + i); var v1 = Vector256.Load(p + i + 8);
                    var v2 = Vector256.Load(p + i + 16); var v3 = Vector256.Load(p + i + 24);
                    a0 += v0 - v0; a1 += v1 - v1; a2 += v2 - v2; a3 += v3 - v3;
                }
                if (!Vector256.EqualsAll((a0 + a1) + (a2 + a3), Vector256<float>.Zero)) return false;
            }
            if (Vector128.IsHardwareAccelerated && n - i >= 4)
            {
                Vector128<float> a0 = default;
                for (; i <= n - 4; i += 4)
                {
                    var v = Vector128.Load(p + i);
                    a0 += v - v;
                }
                if (!Vector128.EqualsAll(a0, Vector128<float>.Zero)) return false;
            }
            for (; i < n; i++) if (!float.IsFinite(p[i])) return false;
        }
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
