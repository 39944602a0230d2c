using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Tailor.Benchmarks;
using Tailor.Common;
using Tailor.Data;
using Tailor.Kernels;
using Tailor.Models;
using Tailor.Studies;
using Tailor.Threading;

namespace Tailor.Cli.Commands;

/// <summary>`tailor bench`: epoch times, inference speed and share of the FMA peak, optionally beside the PyTorch peer.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var peer = new Option<string?>("--peer") { Description = "PyTorch peer script to run in the same invocation (e.g. ../shared/bench/peer_torch.py)." }
            .AsInput("the script given as --peer");
        var json = new Option<string?>("--json") { Description = "Write the figures as JSON to this file." };
        var epochs = new Option<int?>("--epochs") { Description = "Measured epochs per model, after a warm-up epoch (default: as many as the peer measures, 20, 14 and 20)." }
            .Within(TrainingOptions.EpochsRange);
        var scaling = new Option<bool>("--scaling") { Description = "Also measure the CNN's epoch time against batch size, training images and threads." };
        var models = new Option<string?>("--models") { Description = "Comma-separated models to measure: dense, cnn, cnn-dropout (default: all three).", HelpName = "LIST" };
        var runtimeDefaults = new Option<bool>("--runtime-defaults")
        {
            Description = "Also measure the same models in a child process with .NET's default runtime settings (tiered compilation on), as a program of yours that references the Tailor package runs them.",
        };
        var onnxRuntime = new Option<string?>("--onnx-runtime")
        {
            Description = "Also run the models' inference in ONNX Runtime (2 intra-op threads, sequential, all graph optimisations) beside Tailor's, "
                + $"alternating, over the 10,000 test images, through the bench program (default: {OnnxRuntimeBenchmark.RunnerRelativePath} "
                + $"under this folder or a parent; build it with `{OnnxRuntimeBenchmark.BuildHint}`).",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "PATH",
        };
        var layers = new Option<bool>("--layers") { Description = "Also print a per-layer roofline of each model's training step: FLOPs, bytes, time, GFLOP/s, GB/s and the bound, against the FMA peak and a copy loop's bandwidth." };
        var command = new Command("bench", "Measure training and inference speed of the notebook's models.")
        {
            peer, json, epochs, scaling, models, runtimeDefaults, onnxRuntime, layers,
            DistributedBench.Distributed, DistributedBench.Shards, DistributedBench.Latency, DistributedBench.Bandwidth,
        };
        command.SetAction(parsed =>
        {
            int? measured = parsed.GetValue(epochs);
            if (parsed.GetValue(DistributedBench.Distributed))
            {
                var chosen = parsed.GetValue(models) is string names ? ParseModels(names) : [NotebookModel.Cnn];
                if (chosen.Length != 1) throw new UsageException("--models: --distributed measures one model at a time.");
                return DistributedBench.Run(parsed, chosen[0], measured ?? 2, parsed.GetValue(json));
            }
            if (parsed.GetValue(DistributedBench.Shards) != null || parsed.GetValue(DistributedBench.Latency) != null || parsed.GetValue(DistributedBench.Bandwidth) != null)
                throw new UsageException("--shards, --latency-us and --bandwidth-gbit go with --distributed.");
            int Epochs(NotebookModel kind) => measured ?? EpochBenchmark.PeerEpochs(kind);
            string? peerScript = parsed.GetValue(peer);
            if (peerScript != null && !File.Exists(peerScript)) throw new UsageException($"--peer: no file '{Path.GetFullPath(peerScript)}'.");
            string? ortRunner = null;
            if (parsed.GetResult(onnxRuntime) != null)
            {
                try { ortRunner = OnnxRuntimeBenchmark.FindRunner(parsed.GetValue(onnxRuntime), [Directory.GetCurrentDirectory(), AppContext.BaseDirectory]); }
                catch (FileNotFoundException e) { throw new UsageException(e.Message); }
            }
            var (dataset, location) = CommonOptions.LoadDataset(parsed);
            var sample = FashionSample.Draw(dataset, FashionSampleOptions.Notebook);
            int threads = WorkerPool.Threads;

            Console.WriteLine($"Kernels: {KernelIsa.Describe()}, {threads} thread(s)");
            var peaks = new List<double> { FmaPeak.MeasureGflops(threads) };
            Console.WriteLine($"FMA peak: {peaks[0]:F1} GFLOP/s");
            double handoff = CoreHandoff.MeasureRoundTripNanoseconds();
            Console.WriteLine($"Core-to-core round trip of a cache line: {CoreHandoff.Describe(handoff)} (tens of ns where two cores share a cache; kernels that hand data between cores slow down above)");
            // With the peer, half of each model's epochs run before it and half after, so that a slow or fast
            // stretch of this shared machine falls on both sides of the ratio rather than on one.
            NotebookModel[] kinds = parsed.GetValue(models) is string list ? ParseModels(list) : [NotebookModel.Dense, NotebookModel.Cnn, NotebookModel.CnnDropout];
            var results = new List<ModelBenchmark>();
            // The cores' round trip before and after each measurement: which placement each half of the epochs met.
            var handoffs = kinds.Select(_ => new List<double>()).ToArray();
            ModelBenchmark MeasureEpochs(int model, int epochs)
            {
                if (threads > 1) handoffs[model].Add(CoreHandoff.MeasureRoundTripNanoseconds());
                var measured = EpochBenchmark.Measure(sample, kinds[model], epochs);
                if (threads > 1) handoffs[model].Add(CoreHandoff.MeasureRoundTripNanoseconds());
                return measured;
            }
            for (int i = 0; i < kinds.Length; i++)
            {
                int first = peerScript == null ? Epochs(kinds[i]) : (Epochs(kinds[i]) + 1) / 2;
                Console.WriteLine($"Measuring {kinds[i].CliName()} ({first} epochs)...");
                results.Add(MeasureEpochs(i, first));
            }
            IReadOnlyList<PeerResult> peers = [];
            if (peerScript != null)
            {
                Console.WriteLine($"Running the peer {peerScript} with {threads} thread(s)...");
                peers = PeerBenchmark.Run(peerScript, location.Directory, threads, Console.Out);
                for (int i = 0; i < kinds.Length; i++)
                {
                    int second = Epochs(kinds[i]) / 2;
                    if (second == 0) continue;
                    Console.WriteLine($"Measuring {kinds[i].CliName()} again ({second} epochs)...");
                    results[i] = results[i].Merge(MeasureEpochs(i, second));
                }
            }

            // The peak again after the epochs, and the higher of the two taken: on a shared machine the first may have met a
            // busy stretch (176 against 229 GFLOP/s once), and a share of too low a peak would read too high.
            peaks.Add(FmaPeak.MeasureGflops(threads));
            double peak = peaks.Max();
            Console.WriteLine($"FMA peak after the epochs: {peaks[1]:F1} GFLOP/s; shares below are of {peak:F1}, the higher");
            var table = new Table().AddColumn("Model").AddColumn(new TableColumn("Batch").RightAligned())
                .AddColumn(new TableColumn("Tailor s/epoch").RightAligned()).AddColumn(new TableColumn("GFLOP/s").RightAligned())
                .AddColumn(new TableColumn("% of peak").RightAligned()).AddColumn(new TableColumn("Inference img/s").RightAligned());
            if (threads > 1) table.AddColumn(new TableColumn("Round trips ns").RightAligned());
            if (peers.Count > 0)
                table.AddColumn(new TableColumn("Peer s/epoch").RightAligned()).AddColumn(new TableColumn("Speed-up").RightAligned())
                    .AddColumn(new TableColumn("Peer img/s").RightAligned()).AddColumn(new TableColumn("Inference speed-up").RightAligned());
            var rows = new List<Dictionary<string, object?>>();
            for (int m = 0; m < results.Count; m++)
            {
                var r = results[m];
                var p = peers.FirstOrDefault(x => x.Model == r.Model);
                double? peerImages = p == null ? null : 2500 / p.InferenceSeconds;
                var cells = new List<string> { r.Model, I(r.BatchSize), F(r.MedianEpochSeconds, 3), F(r.TrainingGflops, 1), F(100 * r.TrainingGflops / peak, 1), F(r.InferenceImagesPerSecond, 0) };
                // Before/after each measurement, the halves around the peer apart: "75/80, 340/351".
                if (threads > 1)
                    cells.Add(string.Join(", ", handoffs[m].Chunk(2).Select(pair => string.Join("/", pair.Select(ns => double.IsNaN(ns) ? "-" : F(ns, 0))))));
                if (peers.Count > 0)
                    cells.AddRange(p == null ? ["-", "-", "-", "-"] :
                        [F(p.MedianEpochSeconds, 3), F(p.MedianEpochSeconds / r.MedianEpochSeconds, 2) + "x", F(peerImages!.Value, 0), F(r.InferenceImagesPerSecond / peerImages.Value, 2) + "x"]);
                table.AddRow(cells.ToArray());
                rows.Add(new()
                {
                    ["model"] = r.Model, ["batch_size"] = r.BatchSize, ["train_images"] = r.TrainImages,
                    ["epoch_s"] = r.EpochSeconds, ["warmup_epoch_s"] = r.WarmupEpochSeconds, ["median_epoch_s"] = r.MedianEpochSeconds, ["training_gflops"] = r.TrainingGflops, ["peak_share"] = r.TrainingGflops / peak,
                    ["inference_images_per_s"] = r.InferenceImagesPerSecond, ["core_round_trips_ns"] = handoffs[m].Select(Nullable).ToList(),
                    ["peer_median_epoch_s"] = p?.MedianEpochSeconds, ["speedup"] = p == null ? null : p.MedianEpochSeconds / r.MedianEpochSeconds,
                    ["peer_inference_images_per_s"] = peerImages, ["inference_speedup"] = peerImages == null ? null : r.InferenceImagesPerSecond / peerImages,
                });
            }
            // GFLOP/s count every multiply-add of the dense products; the engine skips those with an exact-zero operand.
            table.Caption("GFLOP/s: the dense products' multiply-adds (2 FLOPs each) over the time. Products that skip exact-zero terms (dense layers' "
                + "sparse inputs, a pooled convolution's gradients) do fewer, so a share of the peak above 100% is work skipped.");
            AnsiConsole.Write(table);

            List<Dictionary<string, object?>>? scalingRows = null;
            if (parsed.GetValue(scaling)) scalingRows = Scaling(dataset, measured ?? 5);
            List<Dictionary<string, object?>>? runtimeRows = null;
            if (parsed.GetValue(runtimeDefaults)) runtimeRows = RuntimeDefaults.Compare(results, location.Directory, threads, measured);

            List<OnnxRuntimeComparison>? ort = null;
            if (ortRunner != null)
            {
                ort = OnnxRuntimeBenchmark.Run(dataset, kinds, ortRunner, threads, OnnxRuntimeRounds, Console.Out);
                WriteOnnxRuntime(ort);
            }
            List<LayerRooflineReport>? roofline = null;
            double? bandwidth = null, roofPeak = null;
            if (parsed.GetValue(layers))
            {
                // The ceilings again just before the layers run: on a shared machine the peak at the start may have met a busy stretch.
                peaks.Add(FmaPeak.MeasureGflops(threads));
                roofPeak = peaks.Max();
                bandwidth = MemoryBandwidth.MeasureGBs(threads);
                double gbs = bandwidth.Value;
                Console.WriteLine($"Roofline ceilings: FMA peak {roofPeak:F1} GFLOP/s (the highest of {peaks.Count} measurements), copy bandwidth {gbs:F1} GB/s ({threads} thread(s))");
                roofline = [];
                foreach (var kind in kinds)
                {
                    Console.WriteLine($"Layer roofline of {kind.CliName()}...");
                    roofline.Add(LayerRoofline.Measure(sample, kind, roofPeak.Value, gbs));
                }
                foreach (var report in roofline) WriteRoofline(report);
            }

            if (parsed.GetValue(json) is string path)
            {
                var document = new Dictionary<string, object?>
                {
                    ["isa"] = KernelIsa.Active.ToString(), ["threads"] = threads, ["fma_peak_gflops"] = peak, ["fma_peak_measurements_gflops"] = peaks, ["core_round_trip_ns"] = Nullable(handoff),
                    ["models"] = rows, ["scaling"] = scalingRows, ["runtime_defaults"] = runtimeRows,
                };
                if (ort != null) document["onnx_runtime"] = ort.Select(o => o.ToJson()).ToList();
                if (roofline != null)
                {
                    document["memory_bandwidth_gbs"] = bandwidth;
                    document["roofline_fma_peak_gflops"] = roofPeak;
                    document["layers"] = roofline.Select(r => r.ToJson()).ToList();
                }
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }) + "\n");
                Console.WriteLine($"Wrote {Path.GetFullPath(path)}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Tailor, ONNX Runtime, Tailor, ONNX Runtime: each figure the best of its side's two rounds.</summary>
    private const int OnnxRuntimeRounds = 2;

    private static void WriteOnnxRuntime(IReadOnlyList<OnnxRuntimeComparison> results)
    {
        var table = new Table().Title("Inference: Tailor (Predict) against ONNX Runtime, 10,000 test images, best of 2 alternating rounds each")
            .AddColumn("Model").AddColumn("Engine")
            .AddColumn(new TableColumn("Batch 1 median ms").RightAligned()).AddColumn(new TableColumn("Batch 1 p99 ms").RightAligned())
            .AddColumn(new TableColumn("Batch 64 img/s").RightAligned()).AddColumn(new TableColumn("Batch 10,000 img/s").RightAligned())
            .AddColumn(new TableColumn("Max abs diff").RightAligned());
        foreach (var r in results)
        {
            table.AddRow(r.Model, "Tailor", F(1e3 * r.Tailor.LatencyMedianSeconds, 4), F(1e3 * r.Tailor.LatencyP99Seconds, 4),
                F(r.Tailor.Batch64ImagesPerSecond, 0), F(r.Tailor.FullBatchImagesPerSecond, 0), r.MaxAbsDifference.ToString("E2", CultureInfo.InvariantCulture));
            table.AddRow("", "ONNX Runtime", F(1e3 * r.OnnxRuntime.LatencyMedianSeconds, 4), F(1e3 * r.OnnxRuntime.LatencyP99Seconds, 4),
                F(r.OnnxRuntime.Batch64ImagesPerSecond, 0), F(r.OnnxRuntime.FullBatchImagesPerSecond, 0), r.OutputsAgree ? "agree" : "DIFFER");
            table.AddRow("", "[bold]ratio[/]", F(r.LatencyRatio, 2) + "x", F(r.LatencyP99Ratio, 2) + "x", F(r.Batch64Ratio, 2) + "x", F(r.FullBatchRatio, 2) + "x", "");
        }
        table.Caption("ratio: ONNX Runtime's latency over Tailor's, Tailor's throughput over ONNX Runtime's (above 1x: Tailor is faster)");
        AnsiConsole.Write(table);
        foreach (var r in results.Where(r => !r.OutputsAgree))
            Console.WriteLine($"Warning: {r.Model}'s outputs differ between Tailor and ONNX Runtime by {r.MaxAbsDifference:E2} (more than {OnnxRuntimeComparison.Tolerance:E0}).");
    }

    private static void WriteRoofline(LayerRooflineReport report)
    {
        double peak = report.PeakGflops, bandwidth = report.BandwidthGBs;
        var table = new Table()
            .Title($"Where the time goes: {report.Model}, batch {report.BatchSize} (median of {report.Repeats} passes; ridge {peak / bandwidth:F1} FLOP/byte)")
            .AddColumn("Layer").AddColumn("Step").AddColumn(new TableColumn("MFLOP").RightAligned()).AddColumn(new TableColumn("MB").RightAligned())
            .AddColumn(new TableColumn("FLOP/B").RightAligned()).AddColumn(new TableColumn("ms").RightAligned()).AddColumn(new TableColumn("% of step").RightAligned())
            .AddColumn(new TableColumn("GFLOP/s").RightAligned()).AddColumn(new TableColumn("GB/s").RightAligned()).AddColumn("Bound")
            .AddColumn(new TableColumn("% of roof").RightAligned());
        double total = report.LayerSeconds;
        foreach (var s in report.Steps)
        {
            var bound = s.Bound(peak, bandwidth);
            table.AddRow(s.Layer, LayerRoofline.StepName(s.Step), F(s.Flops / 1e6, 2), F(s.Bytes / 1e6, 3), Finite(s.Intensity, 1), F(1e3 * s.Seconds, 3),
                F(100 * s.Seconds / report.StepSeconds, 1), Finite(s.Gflops, 1), Finite(s.GBs, 1), bound.ToString().ToLowerInvariant(),
                bound == RooflineBound.None ? "-" : Finite(100 * s.RoofShare(peak, bandwidth), 1));
        }
        table.Caption($"Layer steps {1e3 * total:F3} ms ({100 * total / report.StepSeconds:F1}%) of a {1e3 * report.StepSeconds:F3} ms training step (TrainOnBatch: the layers, the loss and the optimizer). "
            + $"Roof: FMA peak {peak:F1} GFLOP/s, copy bandwidth {bandwidth:F1} GB/s. MFLOP count the dense product; a step that skips exact-zero terms can pass its roof.");
        AnsiConsole.Write(table);
    }

    private static string Finite(double v, int digits) => double.IsFinite(v) ? F(v, digits) : "-";

    private static NotebookModel[] ParseModels(string list)
    {
        var kinds = new List<NotebookModel>();
        foreach (string name in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kind = TrainCommand.ParseModel(name);
            if (kind is not (NotebookModel.Dense or NotebookModel.Cnn or NotebookModel.CnnDropout))
                throw new UsageException($"--models: the bench measures dense, cnn and cnn-dropout (the peer's models), received {name}.");
            if (!kinds.Contains(kind)) kinds.Add(kind);
        }
        if (kinds.Count == 0) throw new UsageException("--models: name at least one of dense, cnn, cnn-dropout.");
        return [.. kinds];
    }

    /// <summary>The CNN's epoch time against batch size, training images and threads.</summary>
    private static List<Dictionary<string, object?>> Scaling(FashionMnistDataset dataset, int epochs)
    {
        var rows = new List<Dictionary<string, object?>>();
        var table = new Table().Title("Epoch time (the CNN unless named)").AddColumn("Varied").AddColumn(new TableColumn("Value").RightAligned())
            .AddColumn(new TableColumn("Train images").RightAligned()).AddColumn(new TableColumn("Batch").RightAligned())
            .AddColumn(new TableColumn("Threads").RightAligned()).AddColumn(new TableColumn("s/epoch").RightAligned())
            .AddColumn(new TableColumn("Core round trip").RightAligned());
        // The round trip before and after each measurement on several threads, the larger kept: it tells which
        // placement of the cores the measurement ran in (see CoreHandoff).
        double lastHandoff = double.NaN;
        ModelBenchmark Add(string varied, string value, FashionSample sample, int batch, int threads, NotebookModel kind = NotebookModel.Cnn, int? shards = null)
        {
            int saved = WorkerPool.Threads;
            WorkerPool.Threads = threads;
            try
            {
                Console.WriteLine($"Scaling: {varied} = {value}...");
                double before = threads > 1 ? CoreHandoff.MeasureRoundTripNanoseconds() : double.NaN;
                var r = EpochBenchmark.Measure(sample, kind, epochs, batch, shards);
                lastHandoff = threads > 1 ? Math.Max(before, CoreHandoff.MeasureRoundTripNanoseconds()) : double.NaN;
                table.AddRow(varied, value, I(r.TrainImages), I(batch), I(threads), F(r.MedianEpochSeconds, 3), CoreHandoff.Describe(lastHandoff));
                rows.Add(new()
                {
                    ["varied"] = varied, ["model"] = kind.CliName(), ["shards"] = shards, ["train_images"] = r.TrainImages, ["batch_size"] = batch,
                    ["threads"] = threads, ["median_epoch_s"] = r.MedianEpochSeconds, ["core_round_trip_ns"] = Nullable(lastHandoff),
                });
                return r;
            }
            finally { WorkerPool.Threads = saved; }
        }
        var notebook = FashionSample.Draw(dataset, FashionSampleOptions.Notebook);
        int all = Math.Max(1, Environment.ProcessorCount);
        foreach (int batch in new[] { 16, 32, 64, 128, 256, 512 }) Add("batch size", I(batch), notebook, batch, all);
        // Training alone (no validation pass), so that the epoch's work is proportional to the images.
        foreach (int images in new[] { 1_000, 8_000, 60_000 })
        {
            var sample = images == 60_000
                ? FashionSample.Draw(dataset, FashionSampleOptions.Full with { ValidationCount = 0 })
                : FashionSample.Draw(dataset, FashionSampleOptions.Notebook with { TrainCount = images, ValidationCount = 0 });
            Add("training images (no validation)", I(sample.Train.Count), sample, 64, all);
        }
        foreach (int threads in new[] { 1, 2 }) Add("threads", I(threads), notebook, 64, threads);
        // Two threads against one for each way of using them: the whole batch through each layer's kernels on both
        // threads, or S shards a thread each through its own replica (`train --shards S`: the same bits on 1 and 2
        // threads). One thread, two, two, one: a slow stretch of a shared machine then falls on both sides.
        var ratios = new Table().Title("Two threads against one (median epochs; rounds 1-2-2-1)").AddColumn("Model").AddColumn("Step")
            .AddColumn(new TableColumn("1 thread s/epoch").RightAligned()).AddColumn(new TableColumn("2 threads s/epoch").RightAligned())
            .AddColumn(new TableColumn("2 / 1 threads").RightAligned()).AddColumn(new TableColumn("Round trips (2 threads)").RightAligned());
        foreach (var kind in new[] { NotebookModel.Cnn, NotebookModel.Dense })
            foreach (int? shards in new int?[] { null, 2, 4 })
            {
                string step = shards is int s ? $"{s} shards" : "whole batch";
                string varied = $"threads ({kind.CliName()}, {step})";
                int batch = kind.DefaultBatchSize();
                var one = Add(varied, "1", notebook, batch, 1, kind, shards);
                var two = Add(varied, "2", notebook, batch, 2, kind, shards);
                double firstHandoff = lastHandoff;
                two = two.Merge(Add(varied, "2", notebook, batch, 2, kind, shards));
                double secondHandoff = lastHandoff;
                one = one.Merge(Add(varied, "1", notebook, batch, 1, kind, shards));
                double ratio = one.MedianEpochSeconds / two.MedianEpochSeconds;
                ratios.AddRow(kind.CliName(), step, F(one.MedianEpochSeconds, 3), F(two.MedianEpochSeconds, 3), F(ratio, 2) + "x",
                    $"{CoreHandoff.Describe(firstHandoff)}, {CoreHandoff.Describe(secondHandoff)}");
                rows.Add(new()
                {
                    ["varied"] = "two threads against one", ["model"] = kind.CliName(), ["shards"] = shards, ["batch_size"] = batch,
                    ["one_thread_median_epoch_s"] = one.MedianEpochSeconds, ["two_threads_median_epoch_s"] = two.MedianEpochSeconds, ["ratio"] = ratio,
                    ["core_round_trips_ns"] = new[] { Nullable(firstHandoff), Nullable(secondHandoff) },
                });
            }
        AnsiConsole.Write(table);
        AnsiConsole.Write(ratios);
        return rows;
    }

    /// <summary>A measurement for the JSON: null where none was made (NaN is not JSON).</summary>
    private static double? Nullable(double v) => double.IsNaN(v) ? null : v;

    internal static string F(double v, int digits) => v.ToString("F" + digits, CultureInfo.InvariantCulture);
    private static string I(int v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
