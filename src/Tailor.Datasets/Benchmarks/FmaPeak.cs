using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Tailor.Kernels;

namespace Tailor.Benchmarks;

/// <summary>
/// The machine's single-precision FMA peak: independent FMA chains in registers on every thread,
/// with the widest vectors the kernels use. The ceiling that GFLOP/s figures are shares of.
/// </summary>
internal static class FmaPeak
{
    private const int Chains = 12;

    public static double MeasureGflops(int threads, double seconds = 0.5)
    {
        long iterations = 1_000_000;
        Run(KernelIsa.Active, 1000);
        while (Time(() => Run(KernelIsa.Active, iterations)) < seconds / 4) iterations *= 2;
        double best = 0;
        for (int trial = 0; trial < 3; trial++)
        {
            var workers = new Thread[threads];
            long start = Stopwatch.GetTimestamp();
            for (int t = 0; t < threads; t++) { workers[t] = new Thread(() => Run(KernelIsa.Active, iterations)); workers[t].Start(); }
            foreach (var w in workers) w.Join();
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, threads * iterations * Chains * 2.0 * Lanes(KernelIsa.Active) / elapsed / 1e9);
        }
        return best;
    }

    private static int Lanes(Isa isa) => isa switch { Isa.Avx512 => 16, Isa.Avx2 => 8, _ => System.Numerics.Vector<float>.Count };

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static float Run(Isa isa, long iterations) => isa switch
    {
        Isa.Avx512 => Run512(iterations),
        Isa.Avx2 => Run256(iterations),
        _ => RunPortable(iterations),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Run512(long iterations)
    {
        var m = Vector512.Create(0.9999999f); var d = Vector512.Create(1e-7f);
        var a0 = Vector512.Create(1f); var a1 = a0 + d; var a2 = a1 + d; var a3 = a2 + d; var a4 = a3 + d; var a5 = a4 + d;
        var a6 = a5 + d; var a7 = a6 + d; var a8 = a7 + d; var a9 = a8 + d; var a10 = a9 + d; var a11 = a10 + d;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, d); a1 = Avx512F.FusedMultiplyAdd(a1, m, d); a2 = Avx512F.FusedMultiplyAdd(a2, m, d);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, d); a4 = Avx512F.FusedMultiplyAdd(a4, m, d); a5 = Avx512F.FusedMultiplyAdd(a5, m, d);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, d); a7 = Avx512F.FusedMultiplyAdd(a7, m, d); a8 = Avx512F.FusedMultiplyAdd(a8, m, d);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, d); a10 = Avx512F.FusedMultiplyAdd(a10, m, d); a11 = Avx512F.FusedMultiplyAdd(a11, m, d);
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Run256(long iterations)
    {
        var m = Vector256.Create(0.9999999f); var d = Vector256.Create(1e-7f);
        var a0 = Vector256.Create(1f); var a1 = a0 + d; var a2 = a1 + d; var a3 = a2 + d; var a4 = a3 + d; var a5 = a4 + d;
        var a6 = a5 + d; var a7 = a6 + d; var a8 = a7 + d; var a9 = a8 + d; var a10 = a9 + d; var a11 = a10 + d;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, d); a1 = Fma.MultiplyAdd(a1, m, d); a2 = Fma.MultiplyAdd(a2, m, d);
            a3 = Fma.MultiplyAdd(a3, m, d); a4 = Fma.MultiplyAdd(a4, m, d); a5 = Fma.MultiplyAdd(a5, m, d);
            a6 = Fma.MultiplyAdd(a6, m, d); a7 = Fma.MultiplyAdd(a7, m, d); a8 = Fma.MultiplyAdd(a8, m, d);
            a9 = Fma.MultiplyAdd(a9, m, d); a10 = Fma.MultiplyAdd(a10, m, d); a11 = Fma.MultiplyAdd(a11, m, d);
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).ToScalar();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float RunPortable(long iterations)
    {
        var m = new System.Numerics.Vector<float>(0.9999999f); var d = new System.Numerics.Vector<float>(1e-7f);
        var a0 = new System.Numerics.Vector<float>(1f); var a1 = a0 + d; var a2 = a1 + d; var a3 = a2 + d; var a4 = a3 + d; var a5 = a4 + d;
        var a6 = a5 + d; var a7 = a6 + d; var a8 = a7 + d; var a9 = a8 + d; var a10 = a9 + d; var a11 = a10 + d;
        for (long i = 0; i < iterations; i++)
        {
            a0 = a0 * m + d; a1 = a1 * m + d; a2 = a2 * m + d; a3 = a3 * m + d; a4 = a4 * m + d; a5 = a5 * m + d;
            a6 = a6 * m + d; a7 = a7 * m + d; a8 = a8 * m + d; a9 = a9 * m + d; a10 = a10 * m + d; a11 = a11 * m + d;
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11)[0];
    }
}
