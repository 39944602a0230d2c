using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tailor.Benchmarks;

/// <summary>
/// How long a cache line takes to go from one core to another and back: two threads pass a counter to each other,
/// each spinning until the other has moved it on. On the development VM this tells the two placements of its two
/// virtual cores apart: 50-80 ns a round trip when they share a cache, 310-380 ns when they do not, and in the second
/// the dense model's epoch on two threads takes nearly twice as long (every kernel that hands data from one core to
/// the other waits on such transfers), while an FMA loop runs as fast as ever.
/// </summary>
internal static class CoreHandoff
{
    /// <summary>Round trips a measurement times; 20,000 at 350 ns take 7 ms.</summary>
    private const int RoundTrips = 20_000;

    /// <summary>The median of 5 measurements of one round trip, in nanoseconds; NaN on a single core, where there is no other to hand to.</summary>
    public static double MeasureRoundTripNanoseconds()
    {
        if (Environment.ProcessorCount < 2) return double.NaN;
        var trials = new double[5];
        for (int t = 0; t < trials.Length; t++) trials[t] = Measure();
        Array.Sort(trials);
        return trials[trials.Length / 2];
    }

    /// <summary>The round trip for a table: whole nanoseconds, or "-" where none was measured.</summary>
    public static string Describe(double nanoseconds) =>
        double.IsNaN(nanoseconds) ? "-" : $"{nanoseconds:F0} ns";

    /// <summary>One measurement; NaN when it runs past a second (both threads on one core take turns by time slices).</summary>
    private static double Measure()
    {
        var line = new Line { Deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency };
        var partner = new Thread(() => Answer(line)) { IsBackground = true, Name = "tailor-handoff" };
        partner.Start();
        // The first pass waits for the partner to start; only the next ones are timed.
        bool done = Ping(line, 0, 100);
        long start = Stopwatch.GetTimestamp();
        done = done && Ping(line, 100, RoundTrips);
        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Volatile.Write(ref line.Abandoned, true);
        partner.Join();
        return done ? elapsed / RoundTrips * 1e9 : double.NaN;
    }

    /// <summary>Sends odd values and waits for the next even one, <paramref name="count"/> times from round trip <paramref name="first"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool Ping(Line line, int first, int count)
    {
        for (int i = first; i < first + count; i++)
        {
            Volatile.Write(ref line.Value, 2 * i + 1);
            if (!WaitFor(line, 2 * i + 2)) return false;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Answer(Line line)
    {
        for (int i = 0; i < 100 + RoundTrips; i++)
        {
            if (!WaitFor(line, 2 * i + 1)) return;
            Volatile.Write(ref line.Value, 2 * i + 2);
        }
    }

    /// <summary>Spins until the counter reads <paramref name="value"/>; false once the measurement is abandoned or past its deadline.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool WaitFor(Line line, int value)
    {
        for (int spins = 1; Volatile.Read(ref line.Value) != value; spins++)
            if ((spins & 4095) == 0 && (Volatile.Read(ref line.Abandoned) || Stopwatch.GetTimestamp() > line.Deadline)) return false;
        return true;
    }

    /// <summary>The counter, alone on its cache line; the flag and deadline on another.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private sealed class Line
    {
        [FieldOffset(64)] public int Value;
        [FieldOffset(128)] public bool Abandoned;
        [FieldOffset(136)] public long Deadline;
    }
}
