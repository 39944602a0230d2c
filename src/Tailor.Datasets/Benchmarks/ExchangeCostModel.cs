namespace Tailor.Benchmarks;

/// <summary>
/// A network in Hockney's alpha-beta model: a message of m bytes between two machines takes
/// <see cref="LatencySeconds"/> + m / <see cref="BytesPerSecond"/>.
/// </summary>
internal sealed record Network(string Name, double LatencySeconds, double BytesPerSecond)
{
    /// <summary>MPI over TCP on 10 Gb Ethernet: about 25 µs a message, 1.25 GB/s.</summary>
    public static readonly Network TenGigabitEthernet = new("10 GbE", 25e-6, 10e9 / 8);

    /// <summary>MPI on 100 Gb InfiniBand (EDR): about 1.5 µs a message, 12.5 GB/s.</summary>
    public static readonly Network InfiniBand = new("100 Gb InfiniBand", 1.5e-6, 100e9 / 8);

    /// <summary>
    /// A ring all-gather of one block of <paramref name="blockBytes"/> from each of <paramref name="processes"/>
    /// machines: P - 1 rounds, each passing one block to the next machine, (P - 1)(α + m / B).
    /// </summary>
    public double AllGatherSeconds(int processes, double blockBytes) =>
        processes <= 1 ? 0 : (processes - 1) * (LatencySeconds + blockBytes / BytesPerSecond);

    /// <summary>
    /// The network that explains measured all-gathers best: α and 1/B by least squares on
    /// t / (P - 1) = α + m / B over the measured (block bytes, seconds) pairs of <paramref name="processes"/> ranks.
    /// </summary>
    public static Network Fit(string name, int processes, IReadOnlyList<(double BlockBytes, double Seconds)> measured)
    {
        if (processes < 2) throw new ArgumentOutOfRangeException(nameof(processes), processes, "An exchange needs at least 2 processes.");
        if (measured.Count < 2) throw new ArgumentException("Fitting latency and bandwidth needs at least 2 message sizes.", nameof(measured));
        double n = measured.Count, sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var (m, t) in measured)
        {
            double y = t / (processes - 1);
            sx += m; sy += y; sxx += m * m; sxy += m * y;
        }
        double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx), intercept = (sy - slope * sx) / n;
        // Noise on tiny messages can push the intercept below zero; a latency is never negative.
        return new Network(name, Math.Max(intercept, 0), 1 / slope);
    }
}

/// <summary>
/// What one step of data-parallel training costs on P machines, from one measured step: each machine computes
/// one shard of the measured rows (the per-machine batch stays, as Horovod scales), every machine all-gathers every
/// shard's record (its gradient sums, <see cref="RecordBytes"/>), then adds the P records in shard order and updates.
/// </summary>
/// <param name="ComputeSeconds">Forward and backward of one machine's shard.</param>
/// <param name="CombineSecondsPerRecord">Adding one shard's record into the gradients.</param>
/// <param name="UpdateSeconds">The optimizer's step, the same on every machine.</param>
/// <param name="RecordBytes">One shard's record: loss, metric sums, gradients and moving statistics, as doubles.</param>
internal sealed record StepCostModel(double ComputeSeconds, double CombineSecondsPerRecord, double UpdateSeconds, double RecordBytes)
{
    /// <summary>Seconds of one step on <paramref name="machines"/> machines: compute + P·combine + update + all-gather.</summary>
    public double StepSeconds(int machines, Network network) =>
        ComputeSeconds + machines * CombineSecondsPerRecord + UpdateSeconds + network.AllGatherSeconds(machines, RecordBytes);

    /// <summary>
    /// Rows per second on <paramref name="machines"/> machines over rows per second on one machine alone (which
    /// neither exchanges nor combines): P (c + u) / T(P).
    /// </summary>
    public double SpeedUp(int machines, Network network) =>
        machines * (ComputeSeconds + UpdateSeconds) / StepSeconds(machines, network);
}
