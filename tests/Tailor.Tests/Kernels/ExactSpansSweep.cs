using System.Numerics.Tensors;
using Tailor.Common;
using Tailor.Kernels;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Kernels;

/// <summary>
/// ExactSpans against TensorPrimitives, bit for bit, on every length from 0 to 40 and odd larger ones, with
/// NaN and infinities placed at every position class (vector body and scalar tail), and ShortRows.Copy. Shared with Tailor.KernelCheck,
/// which runs it under each instruction set.
/// </summary>
internal static class ExactSpansSweep
{
    public static List<string> Run()
    {
        var failures = new List<string>();
        var rng = new Rng(2026);
        foreach (int n in ElementwiseSweep.Lengths)
        {
            var a = RandomData.Uniform(rng, n, -50, 50);
            var b = RandomData.Uniform(rng, n, -50, 50);
            var expected = new float[n];
            if (n > 0) TensorPrimitives.Add(a, b, expected);
            var actual = (float[])a.Clone();
            ExactSpans.AddTo(actual, b);
            for (int i = 0; i < n; i++)
                if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                { failures.Add($"AddTo n={n}: element {i} is {actual[i]:R}, TensorPrimitives gives {expected[i]:R}"); break; }

            if (ExactSpans.AllFinite(a) != (n == 0 || TensorPrimitives.IsFiniteAll(a))) failures.Add($"AllFinite n={n} on finite values");
            if (n > 0 && ExactSpans.Max(a) != TensorPrimitives.Max(a)) failures.Add($"Max n={n}: {ExactSpans.Max(a):R}, TensorPrimitives gives {TensorPrimitives.Max(a):R}");
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                foreach (int at in new[] { 0, n / 2, n - 1 }.Where(i => i >= 0 && i < n).Distinct())
                {
                    var c = (float[])a.Clone();
                    c[at] = bad;
                    if (ExactSpans.AllFinite(c)) failures.Add($"AllFinite n={n}: missed {bad} at {at}");
                    float max = ExactSpans.Max(c), reference = TensorPrimitives.Max(c);
                    if (!(float.IsNaN(max) && float.IsNaN(reference)) && max != reference)
                        failures.Add($"Max n={n} with {bad} at {at}: {max:R}, TensorPrimitives gives {reference:R}");
                }
        }
        // AllFinite sums x - x in blocks of 64, 32 and 4 values, then checks the tail one by one: every
        // position of odd lengths around those blocks, against the scalar definition.
        foreach (int n in new[] { 1, 3, 4, 5, 7, 17, 31, 33, 63, 64, 65, 95, 97, 100, 129, 131, 1001 })
        {
            var a = RandomData.Uniform(rng, n, -1e30f, 1e30f);
            if (!ExactSpans.AllFinite(a)) failures.Add($"AllFinite n={n}: finite values reported non-finite");
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                for (int at = 0; at < n; at++)
                {
                    var c = (float[])a.Clone();
                    c[at] = bad;
                    if (ExactSpans.AllFinite(c) != ScalarAllFinite(c)) { failures.Add($"AllFinite n={n}: missed {bad} at {at}"); break; }
                }
            // float.MaxValue - float.MaxValue is 0, and sums of zeros never overflow.
            var large = Enumerable.Repeat(float.MaxValue, n).ToArray();
            if (!ExactSpans.AllFinite(large)) failures.Add($"AllFinite n={n}: float.MaxValue reported non-finite");
        }
        // ShortRows.Copy (im2col's kernel rows): every length of the sweep, bits and NaN payloads kept, nothing
        // written past the end, against a scalar copy.
        foreach (int n in ElementwiseSweep.Lengths)
        {
            var source = RandomData.Uniform(rng, n, -50, 50);
            if (n > 2) { source[n / 2] = BitConverter.Int32BitsToSingle(0x7FC01234); source[n - 1] = -0f; }
            var destination = Enumerable.Repeat(7f, n + 5).ToArray();
            ShortRows.Copy(source, destination);
            for (int i = 0; i < n; i++)
                if (BitConverter.SingleToInt32Bits(destination[i]) != BitConverter.SingleToInt32Bits(source[i]))
                { failures.Add($"ShortRows.Copy n={n}: element {i} is {destination[i]:R}, expected {source[i]:R}"); break; }
            for (int i = n; i < n + 5; i++)
                if (destination[i] != 7f) { failures.Add($"ShortRows.Copy n={n}: wrote past the end at {i}"); break; }
        }
        return failures;
    }

    private static bool ScalarAllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values) if (!float.IsFinite(v)) return false;
        return true;
    }
}
