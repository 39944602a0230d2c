using Tailor.Common;
using Tailor.Kernels;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Kernels;

/// <summary>
/// Activations (forward and backward, in place and not) and bias kernels against double references,
/// on every length from 0 to 40 and on round and odd larger ones. Shared with Tailor.KernelCheck.
/// </summary>
internal static class ElementwiseSweep
{
    /// <summary>Error allowed, relative to max(1, |expected|).</summary>
    public const double Tolerance = 1e-5;

    public static readonly int[] Lengths = [.. Enumerable.Range(0, 41), 63, 64, 65, 100, 127, 128, 129, 257, 1000];

    /// <summary>Softmax row lengths and row counts.</summary>
    public static readonly (int RowLength, int Rows)[] SoftmaxRows = [(1, 3), (2, 1), (3, 5), (8, 2), (10, 7), (16, 1), (17, 3), (33, 2), (100, 2), (257, 1)];

    public static List<string> Activations(Activation activation)
    {
        var failures = new List<string>();
        var rng = new Rng(17 + (ulong)activation);
        if (activation == Activation.Softmax)
        {
            foreach (var (rowLength, rows) in SoftmaxRows)
            {
                CheckActivation(activation, RandomData.Uniform(rng, rowLength * rows, -8, 8), rowLength, rng, failures);
                // Large logits: a softmax that exponentiates them without subtracting the maximum overflows.
                CheckActivation(activation, RandomData.Uniform(rng, rowLength * rows, 60, 120), rowLength, rng, failures);
                CheckActivation(activation, RandomData.Uniform(rng, rowLength * rows, -120, -60), rowLength, rng, failures);
            }
            return failures;
        }
        foreach (int n in Lengths)
        {
            var z = RandomData.Uniform(rng, n, -6, 6);
            if (n > 2) { z[0] = 0; z[1] = -1e-4f; z[2] = 1e-4f; }
            CheckActivation(activation, z, 1, rng, failures);
        }
        // Saturation.
        CheckActivation(activation, [-40f, -20f, -10f, 10f, 20f, 40f, 80f, -80f, 0f], 1, rng, failures);
        return failures;
    }

    private static void CheckActivation(Activation activation, float[] z, int rowLength, Rng rng, List<string> failures)
    {
        int n = z.Length;
        string where = $"{activation} n={n} rowLength={rowLength}";
        var zd = RandomData.ToDouble(z);
        var expectedY = new double[n];
        ActivationReference.Forward(activation, zd, expectedY, rowLength);

        var y = new float[n];
        Tailor.Kernels.Activations.Forward(activation, z, y, rowLength);
        Compare(where + " forward", y, expectedY, failures);

        var inPlace = (float[])z.Clone();
        Tailor.Kernels.Activations.Forward(activation, inPlace, inPlace, rowLength);
        Compare(where + " forward in place", inPlace, expectedY, failures);

        var dy = RandomData.Uniform(rng, n);
        var expectedDz = new double[n];
        ActivationReference.Backward(activation, zd, RandomData.ToDouble(dy), expectedDz, rowLength);

        var dz = new float[n];
        Tailor.Kernels.Activations.Backward(activation, z, y, dy, dz, rowLength);
        Compare(where + " backward", dz, expectedDz, failures);

        var aliased = (float[])dy.Clone();
        Tailor.Kernels.Activations.Backward(activation, z, y, aliased, aliased, rowLength);
        Compare(where + " backward into dy", aliased, expectedDz, failures);
    }

    public static List<string> Bias()
    {
        var failures = new List<string>();
        var rng = new Rng(5);
        foreach (int columns in new[] { 1, 3, 8, 16, 17, 33, 64, 100 })
        foreach (int rows in new[] { 1, 2, 7, 32, 300, 600 })
        {
            string where = $"bias rows={rows} columns={columns}";
            var matrix = RandomData.Uniform(rng, rows * columns);
            var bias = RandomData.Uniform(rng, columns);
            var expectedAdd = new double[rows * columns];
            var expectedSum = new double[columns];
            for (int r = 0; r < rows; r++)
            for (int j = 0; j < columns; j++)
            {
                expectedAdd[r * columns + j] = (double)matrix[r * columns + j] + bias[j];
                expectedSum[j] += matrix[r * columns + j];
            }
            var sums = RandomData.Uniform(rng, columns, 100, 200); // overwritten, not added to
            GradientRows.MaskAndSum(default, matrix, matrix, sums, columns, relu: false);
            Compare(where + " SumRows", sums, expectedSum, failures);
            for (int r = 0; r < rows; r++) Epilogue.Apply(matrix.AsSpan(r * columns, columns), bias, relu: false);
            Compare(where + " AddRows", matrix, expectedAdd, failures);
            BiasReluBlock(where, rng, rows, columns, failures);
        }
        return failures;
    }

    /// <summary>
    /// The GEMM's epilogue over a block (with a leading dimension wider than the rows) against the scalar
    /// float reference bit for bit, NaN and signed zeros included; columns beyond n are left alone.
    /// </summary>
    private static unsafe void BiasReluBlock(string where, Rng rng, int rows, int columns, List<string> failures)
    {
        int ld = columns + 3;
        var block = RandomData.Uniform(rng, rows * ld, -1f, 1f);
        for (int i = 0; i < block.Length; i += 7) block[i] = -0f;
        for (int i = 3; i < block.Length; i += 11) block[i] = float.NaN;
        var bias = RandomData.Uniform(rng, columns, -0.5f, 0.5f);
        foreach (bool withBias in new[] { true, false })
        foreach (bool relu in new[] { true, false })
        {
            var actual = (float[])block.Clone();
            var expected = (float[])block.Clone();
            for (int r = 0; r < rows; r++)
            for (int j = 0; j < columns; j++)
            {
                float v = expected[r * ld + j];
                if (withBias) v += bias[j];
                if (relu) v = MathF.Max(v, 0f);
                expected[r * ld + j] = v;
            }
            fixed (float* pa = actual, pb = bias) Epilogue.Apply(pa, ld, rows, columns, withBias ? pb : null, relu);
            for (int i = 0; i < actual.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(actual[i]) == BitConverter.SingleToInt32Bits(expected[i])) continue;
                failures.Add($"{where} epilogue bias={withBias} relu={relu} at {i}: {actual[i]:R}, expected {expected[i]:R}");
                break;
            }
        }
    }

    public static List<string> ReluBackward()
    {
        var failures = new List<string>();
        var rng = new Rng(9);
        foreach (int n in Lengths)
        {
            var y = RandomData.Uniform(rng, n);
            for (int i = 0; i < n; i += 3) y[i] = 0; // relu outputs hold exact zeros
            var dy = RandomData.Uniform(rng, n);
            var expected = new double[n];
            for (int i = 0; i < n; i++) expected[i] = y[i] > 0 ? dy[i] : 0;
            var dz = new float[n];
            Tailor.Kernels.Activations.ReluBackward(y, dy, dz);
            Compare($"ReluBackward n={n}", dz, expected, failures);
        }
        return failures;
    }

    public static void Compare(string where, ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, List<string> failures)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= Tolerance * Math.Max(1, Math.Abs(expected[i]))))
            {
                failures.Add($"{where}: [{i}] = {actual[i]:R}, expected {expected[i]:R}");
                return;
            }
        }
    }
}
