using System.Diagnostics;

namespace Tailor.Benchmarks;

/// <summary>
/// The machine's memory bandwidth as a copy loop sees it: every thread copies its own pair of 64 MB
/// arrays (far beyond the caches); bytes moved are the read plus the write (2 x 64 MB per thread per copy),
/// as STREAM's Copy counts them. The best of several copies: the ceiling that GB/s figures are shares of.
/// </summary>
internal static class MemoryBandwidth
{
    public const int ArrayBytes = 64 << 20;

    public static double MeasureGBs(int threads, int trials = 5)
    {
        int length = ArrayBytes / sizeof(float);
        var sources = new float[threads][];
        var destinations = new float[threads][];
        for (int t = 0; t < threads; t++)
        {
            sources[t] = new float[length];
            destinations[t] = new float[length];
            sources[t].AsSpan().Fill(1f);
            destinations[t].AsSpan().Fill(0f);
        }
        double best = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            var workers = new Thread[threads];
            using var ready = new Barrier(threads + 1);
            for (int t = 0; t < threads; t++)
            {
                int own = t;
                workers[t] = new Thread(() => { ready.SignalAndWait(); sources[own].AsSpan().CopyTo(destinations[own]); });
                workers[t].Start();
            }
            ready.SignalAndWait();
            long start = Stopwatch.GetTimestamp();
            foreach (var w in workers) w.Join();
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            best = Math.Max(best, 2.0 * ArrayBytes * threads / elapsed / 1e9);
        }
        return best;
    }
}
