using Tailor.Common;
using Tailor.Kernels;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Kernels;

/// <summary>
/// Gemm.Multiply against GemmReference.Multiply over odd and round sizes, every transpose and
/// accumulate mode, under each kernel path. Shared with Tailor.KernelCheck (linked source), which
/// runs it in a child process with wider instruction sets switched off; so no xunit here.
/// </summary>
internal static class GemmSweep
{
    /// <summary>Error allowed, relative to sum_p |a_ip b_pj| (+ |c_ij| when accumulating): the size a float rounding error can have.</summary>
    public const double Tolerance = 1e-5;

    public static readonly int[] Sizes = [1, 7, 17, 33, 100, 128, 257];

    /// <summary>Shapes whose k is cut into chunks summed in a fixed order (few rows, k of 4096 or more).</summary>
    public static readonly IReadOnlyList<GemmShape> KChunkShapes =
    [
        new(7, 33, 4100, 1, 0, 3),
        new(1, 17, 8200, 0, 2, 0),
        new(100, 7, 4097, 3, 0, 5),
        new(3, 5, 16500, 0, 0, 1),
        new(300, 3, 4096, 2, 1, 0),
    ];

    /// <summary>Problem shapes, with the extra columns each operand's leading dimension has beyond its width.</summary>
    public static readonly IReadOnlyList<GemmShape> Shapes = BuildShapes();

    private static List<GemmShape> BuildShapes()
    {
        var shapes = new List<GemmShape>();
        int i = 0;
        // Each size in each role, the other two odd.
        foreach (int s in Sizes)
        {
            shapes.Add(Shape(s, 17, 33, i++));
            shapes.Add(Shape(33, s, 17, i++));
            shapes.Add(Shape(17, 33, s, i++));
        }
        // Round and odd together, every dimension large.
        shapes.Add(Shape(100, 128, 257, i++));
        shapes.Add(Shape(257, 100, 128, i++));
        shapes.Add(Shape(128, 257, 100, i++));
        // Around the tile sizes (8 x 32, 6 x 16, 4 x 16 or 4 x 8), the row block of 96 and the k block of 256.
        shapes.Add(Shape(8, 32, 256, i++));
        shapes.Add(Shape(9, 33, 257, i++));
        shapes.Add(Shape(6, 16, 255, i++));
        shapes.Add(Shape(12, 48, 513, i++));
        shapes.Add(Shape(96, 31, 5, i++));
        shapes.Add(Shape(97, 64, 9, i++));
        shapes.Add(Shape(193, 15, 3, i++));
        // A transposed B of many panels packed in groups, its rows 8 x 8 at a time with a remainder of rows and terms.
        shapes.Add(Shape(65, 579, 70, i++));
        shapes.AddRange(KChunkShapes);
        return shapes;
    }

    private static GemmShape Shape(int m, int n, int k, int index) =>
        new(m, n, k, index % 2 * 3, index / 2 % 2 * 2, index % 3 == 0 ? 0 : 5);

    /// <summary>The paths this process can run: every one up to <see cref="KernelIsa.Detected"/>.</summary>
    public static IReadOnlyList<Isa> SupportedIsas() => Enum.GetValues<Isa>().Where(i => i <= KernelIsa.Detected).ToArray();

    /// <summary>Runs every shape under every given path; returns one line per failure, empty when all pass.</summary>
    public static List<string> Run(IReadOnlyList<Isa> isas, bool transA, bool transB, bool accumulate, IReadOnlyList<GemmShape>? shapes = null)
    {
        var failures = new List<string>();
        var saved = KernelIsa.Active;
        try
        {
            foreach (var shape in shapes ?? Shapes)
            {
                var problem = new GemmProblem(shape, transA, transB, accumulate);
                foreach (var isa in isas)
                {
                    KernelIsa.Active = isa;
                    string? failure = problem.Check();
                    if (failure != null) failures.Add($"{isa} {shape} transA={transA} transB={transB} accumulate={accumulate}: {failure}");
                }
            }
        }
        finally
        {
            KernelIsa.Active = saved;
        }
        return failures;
    }
}

/// <summary>C (m x n) = op(A) (m x k) op(B) (k x n); each leading dimension is the operand's width plus its extra.</summary>
internal readonly record struct GemmShape(int M, int N, int K, int ExtraA, int ExtraB, int ExtraC)
{
    public override string ToString() => $"m={M} n={N} k={K} (ld extras {ExtraA}/{ExtraB}/{ExtraC})";
}

/// <summary>One problem: random operands with poisoned gaps, the reference result computed once, checked per path.</summary>
internal sealed class GemmProblem
{
    /// <summary>Written into C's gaps: a kernel that writes outside the n columns changes it.</summary>
    private const float Sentinel = 12345.5f;

    private readonly GemmShape _s;
    private readonly bool _transA, _transB, _accumulate;
    private readonly int _lda, _ldb, _ldc;
    private readonly float[] _a, _b, _c0, _expected;
    private readonly double[] _magnitude;

    public GemmProblem(GemmShape s, bool transA, bool transB, bool accumulate)
    {
        _s = s;
        _transA = transA; _transB = transB; _accumulate = accumulate;
        var rng = new Rng((ulong)(s.M * 1_000_003 + s.N * 1009 + s.K) * 8 + (ulong)((transA ? 4 : 0) + (transB ? 2 : 0) + (accumulate ? 1 : 0)));
        // A is m x k, stored k x m when transposed; the gaps hold NaN, so reading them poisons C.
        (int aRows, int aCols) = transA ? (s.K, s.M) : (s.M, s.K);
        (int bRows, int bCols) = transB ? (s.N, s.K) : (s.K, s.N);
        _lda = aCols + s.ExtraA; _ldb = bCols + s.ExtraB; _ldc = s.N + s.ExtraC;
        _a = Matrix(rng, aRows, aCols, _lda, float.NaN);
        _b = Matrix(rng, bRows, bCols, _ldb, float.NaN);
        _c0 = Matrix(rng, s.M, s.N, _ldc, Sentinel);
        _expected = (float[])_c0.Clone();
        GemmReference.Multiply(transA, transB, s.M, s.N, s.K, _a, _lda, _b, _ldb, _expected, _ldc, accumulate);

        _magnitude = new double[s.M * s.N];
        for (int i = 0; i < s.M; i++)
        for (int j = 0; j < s.N; j++)
        {
            double sum = accumulate ? Math.Abs(_c0[i * _ldc + j]) : 0;
            for (int p = 0; p < s.K; p++)
            {
                float x = transA ? _a[p * _lda + i] : _a[i * _lda + p];
                float y = transB ? _b[j * _ldb + p] : _b[p * _ldb + j];
                sum += Math.Abs((double)x * y);
            }
            _magnitude[i * s.N + j] = sum;
        }
    }

    private static float[] Matrix(Rng rng, int rows, int cols, int ld, float gap)
    {
        var m = new float[rows == 0 ? 0 : (rows - 1) * ld + cols + 7];
        Array.Fill(m, gap);
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            m[r * ld + c] = rng.NextFloat() * 2 - 1;
        return m;
    }

    /// <summary>Runs Gemm.Multiply under the active path; returns what is wrong, or null.</summary>
    public string? Check()
    {
        var c = (float[])_c0.Clone();
        Gemm.Multiply(_transA, _transB, _s.M, _s.N, _s.K, _a, _lda, _b, _ldb, c, _ldc, _accumulate);
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < _s.M; i++)
        for (int j = 0; j < _s.N; j++)
        {
            int at = i * _ldc + j;
            double error = Math.Abs((double)c[at] - _expected[at]) / Math.Max(_magnitude[i * _s.N + j], 1e-30);
            if (!(error <= worst)) { worst = error; worstAt = at; }
            if (double.IsNaN(error)) return $"C[{i}, {j}] is {c[at]} (expected {_expected[at]}): the kernel read outside the operands";
        }
        if (worst > GemmSweep.Tolerance)
            return $"C[{worstAt / _ldc}, {worstAt % _ldc}] = {c[worstAt]:R}, expected {_expected[worstAt]:R}: error {worst:E2} of sum |a||b|, above {GemmSweep.Tolerance:E0}";
        for (int at = 0; at < c.Length; at++)
        {
            bool inside = at / _ldc < _s.M && at % _ldc < _s.N;
            if (!inside && BitConverter.SingleToInt32Bits(c[at]) != BitConverter.SingleToInt32Bits(_c0[at]))
                return $"wrote {c[at]} at offset {at}, outside the {_s.M} x {_s.N} result (ldc {_ldc})";
        }
        return null;
    }
}
