using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Tailor.Benchmarks;
using Tailor.Common;
using Tailor.Data;
using Tailor.Distribution.Mpi;
using Tailor.Kernels;
using Tailor.Models;
using Tailor.Threading;

using static Tailor.Cli.Commands.BenchCommand;

namespace Tailor.Cli.Commands;

/// <summary>
/// `tailor bench --distributed`: the data-parallel step of this job (mpiexec -n P, or one process alone) by phase,
/// the all-gather's latency and bandwidth fitted on this job, and the step projected to 2-64 machines.
/// </summary>
internal static class DistributedBench
{
    public static readonly Option<bool> Distributed = new("--distributed")
    {
        Description = "Measure data-parallel training instead (run it under mpiexec -n P): compute, exchange and combine per step, "
            + "bytes exchanged, the all-gather's latency and bandwidth, and the speed-up projected to 2-64 machines.",
    };

    public static readonly Option<int?> Shards = new Option<int?>("--shards")
    {
        Description = "With --distributed: shards per batch (default: the number of MPI ranks; alone, the whole batch on the process's threads).",
    }.Within(new ValueRange(1, 4096));

    public static readonly Option<double?> Latency = new Option<double?>("--latency-us")
    {
        Description = "With --distributed: also project on a network of this latency per message in microseconds (with --bandwidth-gbit).",
    }.Within(new ValueRange(0, 1_000_000, Whole: false));

    public static readonly Option<double?> Bandwidth = new Option<double?>("--bandwidth-gbit")
    {
        Description = "With --distributed: also project on a network of this bandwidth in Gbit/s (with --latency-us).",
    }.Within(new ValueRange(0, 100_000, Whole: false, MinExclusive: true));

    /// <summary>The machine counts of the projection.</summary>
    public static readonly int[] Machines = [2, 4, 8, 16, 32, 64];

    public static int Run(ParseResult parsed, NotebookModel kind, int epochs, string? jsonPath)
    {
        double? latency = parsed.GetValue(Latency), bandwidth = parsed.GetValue(Bandwidth);
        if ((latency == null) != (bandwidth == null)) throw new UsageException("--latency-us and --bandwidth-gbit go together: give both, or neither for the 10 GbE and InfiniBand defaults.");
        using var mpi = MpiTransport.LaunchedByMpi ? MpiTransport.Start() : null;
        int ranks = mpi?.Size ?? 1, rank = mpi?.Rank ?? 0;
        int? shards = parsed.GetValue(Shards) ?? (mpi == null ? null : ranks);
        bool speaks = rank == 0;
        var (dataset, _) = CommonOptions.LoadDataset(parsed);
        var sample = FashionSample.Draw(dataset, FashionSampleOptions.Notebook);
        int threads = WorkerPool.Threads, batch = kind.DefaultBatchSize();
        if (speaks)
            Console.WriteLine($"Data-parallel {kind.CliName()}: {ranks} process(es) x {threads} thread(s), batch {batch}, "
                + (shards is int s ? $"{s} shard(s) of about {batch / (double)s:F1} rows" : "the whole batch on the threads") + $", {KernelIsa.Describe()}");
        Action? barrier = mpi == null ? null : mpi.Barrier;
        var (mine, blockBytes, calibration) = DistributedBenchmark.Measure(sample, kind, shards, mpi, barrier, epochs);

        // Every rank's phases, so that rank 0 can show the imbalance.
        var steps = new List<DistributedStep> { mine };
        if (mpi != null)
        {
            var all = new double[DistributedStep.Length * ranks];
            mpi.AllGather(mine.ToArray(), all);
            steps = [.. Enumerable.Range(0, ranks).Select(r => DistributedStep.FromArray(r, all.AsSpan(DistributedStep.Length * r, DistributedStep.Length)))];
        }
        if (!speaks) return ExitCodes.Ok;

        var table = new Table().Title($"One training step by phase, mean of {mine.Steps} steps, milliseconds")
            .AddColumn("Rank").AddColumn(new TableColumn("Compute").RightAligned()).AddColumn(new TableColumn("Wait").RightAligned())
            .AddColumn(new TableColumn("Exchange").RightAligned()).AddColumn(new TableColumn("Combine").RightAligned())
            .AddColumn(new TableColumn("Update").RightAligned()).AddColumn(new TableColumn("Step").RightAligned()).AddColumn(new TableColumn("Images/s").RightAligned());
        foreach (var s in steps)
            table.AddRow($"{s.Rank}", Ms(s.ComputeSeconds), Ms(s.WaitSeconds), Ms(s.ExchangeSeconds), Ms(s.CombineSeconds), Ms(s.UpdateSeconds), Ms(s.StepSeconds), F(batch / s.StepSeconds, 0));
        table.Caption("Compute: the shards' forward and backward; Wait: for the slowest rank; Exchange: the all-gather; Combine: adding the shards in order");
        AnsiConsole.Write(table);
        long received = blockBytes * (ranks - 1);
        Console.WriteLine($"Exchanged per step: a block of {blockBytes:N0} bytes from each rank; {received:N0} bytes received by each.");

        var document = new Dictionary<string, object?>
        {
            ["model"] = kind.CliName(), ["ranks"] = ranks, ["threads"] = threads, ["shards"] = shards, ["batch_size"] = batch,
            ["isa"] = KernelIsa.Active.ToString(), ["block_bytes"] = blockBytes, ["bytes_received_per_step"] = received,
            ["steps"] = steps.Select(s => new Dictionary<string, object?>
            {
                ["rank"] = s.Rank, ["steps"] = s.Steps, ["compute_s"] = s.ComputeSeconds, ["wait_s"] = s.WaitSeconds, ["exchange_s"] = s.ExchangeSeconds,
                ["combine_s"] = s.CombineSeconds, ["update_s"] = s.UpdateSeconds, ["median_exchange_s"] = s.MedianExchangeSeconds, ["step_s"] = s.StepSeconds, ["images_per_s"] = batch / s.StepSeconds,
            }).ToList(),
        };

        if (calibration != null && shards is int shardCount)
        {
            var local = Network.Fit("this job", ranks, calibration);
            double predicted = local.AllGatherSeconds(ranks, blockBytes), measured = mine.MedianExchangeSeconds;
            Console.WriteLine($"All-gather inside training steps, fitted on blocks of {string.Join(", ", calibration.Select(c => Size(c.BlockBytes)))}: "
                + $"latency {1e6 * local.LatencySeconds:F1} µs, bandwidth {local.BytesPerSecond / 1e9:F2} GB/s");
            Console.WriteLine($"Exchange of the training block: model {Ms(predicted)} ms, measured {Ms(measured)} ms (median of the steps) ({100 * (measured / predicted - 1):+0;-0}%)");
            document["calibration"] = calibration.Select(c => new Dictionary<string, object?> { ["block_bytes"] = c.BlockBytes, ["seconds"] = c.Seconds }).ToList();
            document["fitted_latency_s"] = local.LatencySeconds;
            document["fitted_bytes_per_s"] = local.BytesPerSecond;
            document["predicted_exchange_s"] = predicted;
            document["measured_exchange_s"] = measured;

            // The projection: each machine one shard of the rows one rank computes here.
            int perRank = (shardCount + ranks - 1) / ranks;
            var cost = new StepCostModel(mine.ComputeSeconds / perRank, mine.CombineSeconds / shardCount, mine.UpdateSeconds, blockBytes / (double)perRank);
            var networks = new List<Network> { Network.TenGigabitEthernet, Network.InfiniBand };
            if (latency is double a && bandwidth is double b) networks.Add(new Network($"{a:G4} µs, {b:G4} Gbit/s", a * 1e-6, b * 1e9 / 8));
            var projection = new Table().Title($"Projected speed-up, one shard of {batch / (double)shardCount:F1} rows per machine (compute {Ms(cost.ComputeSeconds)} ms, record {Size(cost.RecordBytes)})")
                .AddColumn("Network");
            foreach (int p in Machines) projection.AddColumn(new TableColumn($"{p}").RightAligned());
            foreach (var network in networks) projection.AddRow([network.Name, .. Machines.Select(p => F(cost.SpeedUp(p, network), 1) + "x")]);
            projection.Caption("P (c + u) / (c + P k + u + (P - 1)(α + m / B)): c compute, k combine per record, u update, m record bytes, α latency, B bandwidth");
            AnsiConsole.Write(projection);
            document["projection"] = networks.Select(n => new Dictionary<string, object?>
            {
                ["network"] = n.Name, ["latency_s"] = n.LatencySeconds, ["bytes_per_s"] = n.BytesPerSecond,
                ["speedup"] = Machines.ToDictionary(p => p.ToString(CultureInfo.InvariantCulture), p => cost.SpeedUp(p, n)),
            }).ToList();
        }
        if (jsonPath != null)
        {
            AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            Console.WriteLine($"Wrote {Path.GetFullPath(jsonPath)}");
        }
        return ExitCodes.Ok;
    }

    private static string Ms(double seconds) => F(1e3 * seconds, 3);

    private static string Size(double bytes) => bytes >= 1 << 20 ? $"{bytes / (1 << 20):G3} MiB" : bytes >= 1024 ? $"{bytes / 1024:G3} KiB" : $"{bytes:G3} B";
}
