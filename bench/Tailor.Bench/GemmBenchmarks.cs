using BenchmarkDotNet.Attributes;
using Tailor.Kernels;

namespace Tailor.Bench;

/// <summary>GEMM at the shapes the notebook's models produce, against the scalar reference.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    public record Shape(string Name, bool TransA, bool TransB, int M, int N, int K)
    {
        public override string ToString() => $"{Name} {M}x{N}x{K}";
    }

    public static IEnumerable<Shape> Shapes =>
    [
        new("conv2 forward", false, false, 64 * 121, 64, 288),
        new("conv2 weight grad", true, false, 288, 64, 64 * 121),
        new("conv2 input grad", false, true, 64 * 121, 288, 64),
        new("conv3 forward", false, false, 64 * 9, 64, 576),
        new("dense1 forward b128", false, false, 128, 128, 784),
        new("dense1 weight grad b128", true, false, 784, 128, 128),
    ];

    [ParamsSource(nameof(Shapes))] public Shape Case { get; set; } = null!;

    private float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _a = Enumerable.Range(0, Case.M * Case.K).Select(_ => (float)rng.NextDouble()).ToArray();
        _b = Enumerable.Range(0, Case.K * Case.N).Select(_ => (float)rng.NextDouble()).ToArray();
        _c = new float[Case.M * Case.N];
    }

    private int Lda => Case.TransA ? Case.M : Case.K;
    private int Ldb => Case.TransB ? Case.K : Case.N;

    [Benchmark(Baseline = true)]
    public void Reference() => GemmReference.Multiply(Case.TransA, Case.TransB, Case.M, Case.N, Case.K, _a, Lda, _b, Ldb, _c, Case.N);

    [Benchmark]
    public void Packed() => Gemm.Multiply(Case.TransA, Case.TransB, Case.M, Case.N, Case.K, _a, Lda, _b, Ldb, _c, Case.N);
}
