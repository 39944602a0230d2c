using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Tailor.Data;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Serialization;
using Tailor.Optimizers;
using Tailor.Studies;
using Tailor.Tensors;

namespace Tailor.Benchmarks;

/// <summary>One model's inference in Tailor and in ONNX Runtime, each the best of its rounds, and how far their outputs differ.</summary>
internal sealed record OnnxRuntimeComparison(string Model, InferenceFigures Tailor, InferenceFigures OnnxRuntime, double MaxAbsDifference, int Rounds)
{
    /// <summary>Outputs closer than this are the same computation in float32 (a different order of additions).</summary>
    public const double Tolerance = 1e-4;

    public bool OutputsAgree => MaxAbsDifference < Tolerance;

    /// <summary>Tailor's throughput over ONNX Runtime's at batch 64 (above 1: Tailor is faster).</summary>
    public double Batch64Ratio => Tailor.Batch64ImagesPerSecond / OnnxRuntime.Batch64ImagesPerSecond;

    /// <summary>Tailor's throughput over ONNX Runtime's with all the images in one batch.</summary>
    public double FullBatchRatio => Tailor.FullBatchImagesPerSecond / OnnxRuntime.FullBatchImagesPerSecond;

    /// <summary>ONNX Runtime's median batch-1 latency over Tailor's (above 1: Tailor is faster).</summary>
    public double LatencyRatio => OnnxRuntime.LatencyMedianSeconds / Tailor.LatencyMedianSeconds;

    /// <summary>ONNX Runtime's 99th-percentile batch-1 latency over Tailor's.</summary>
    public double LatencyP99Ratio => OnnxRuntime.LatencyP99Seconds / Tailor.LatencyP99Seconds;

    public Dictionary<string, object?> ToJson() => new()
    {
        ["model"] = Model, ["images"] = Tailor.Images, ["rounds"] = Rounds,
        ["tailor"] = Figures(Tailor), ["onnx_runtime"] = Figures(OnnxRuntime),
        ["batch1_latency_ratio"] = LatencyRatio, ["batch1_p99_latency_ratio"] = LatencyP99Ratio,
        ["batch64_throughput_ratio"] = Batch64Ratio, ["full_batch_throughput_ratio"] = FullBatchRatio,
        ["max_abs_difference"] = MaxAbsDifference, ["outputs_agree"] = OutputsAgree,
    };

    private static Dictionary<string, object?> Figures(InferenceFigures f) => new()
    {
        ["batch1_latency_median_s"] = f.LatencyMedianSeconds, ["batch1_latency_p99_s"] = f.LatencyP99Seconds,
        ["batch64_images_per_s"] = f.Batch64ImagesPerSecond, ["full_batch_images_per_s"] = f.FullBatchImagesPerSecond,
    };
}

/// <summary>
/// Tailor's inference (Sequential.Predict) against ONNX Runtime's on the same exported model and the
/// 10,000 test images. ONNX Runtime is not a dependency of the library or the tool: it runs in the bench
/// project's program (bench/Tailor.Bench, `ort`), started here as a peer process once per round, and the
/// two alternate (Tailor, ONNX Runtime, Tailor, ONNX Runtime, ...) so that both see the same stretches of
/// a shared machine; each figure is the best of its side's rounds.
/// </summary>
internal static class OnnxRuntimeBenchmark
{
    public const string RunnerRelativePath = "bench/Tailor.Bench/bin/Release/net10.0/Tailor.Bench.dll";
    public const string BuildHint = "dotnet build bench/Tailor.Bench -c Release";

    /// <summary>
    /// The bench program's dll: <paramref name="given"/> (the dll or its folder) when given, else the Release
    /// build under the first of <paramref name="searchFrom"/> or their parents that holds one.
    /// </summary>
    public static string FindRunner(string? given, IEnumerable<string> searchFrom)
    {
        if (given != null)
        {
            string path = Directory.Exists(given) ? Path.Combine(given, "Tailor.Bench.dll") : given;
            if (File.Exists(path)) return Path.GetFullPath(path);
            throw new FileNotFoundException($"--onnx-runtime: no Tailor.Bench.dll at '{Path.GetFullPath(path)}'; build it with `{BuildHint}`.");
        }
        foreach (string start in searchFrom)
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RunnerRelativePath);
                if (File.Exists(candidate)) return candidate;
            }
        throw new FileNotFoundException($"--onnx-runtime: no built bench program ({RunnerRelativePath}); build it with `{BuildHint}` from the repository root, or give its path: --onnx-runtime PATH.");
    }

    public static List<OnnxRuntimeComparison> Run(FashionMnistDataset dataset, IReadOnlyList<NotebookModel> kinds, string runner, int threads, int rounds, TextWriter log)
    {
        var sample = FashionSample.Draw(dataset, FashionSampleOptions.Notebook with { TestCount = null });
        string folder = Path.Combine(Path.GetTempPath(), $"tailor-bench-ort-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var results = new List<OnnxRuntimeComparison>();
            foreach (var kind in kinds) results.Add(Compare(sample, kind, runner, threads, rounds, folder, log));
            return results;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static OnnxRuntimeComparison Compare(FashionSample sample, NotebookModel kind, string runner, int threads, int rounds, string folder, TextWriter log)
    {
        string name = kind.CliName();
        // One epoch of training, so that the ReLUs' outputs are as sparse as a trained model's (the dense layers skip zeros).
        var model = NotebookModels.Create(kind, seed: 1);
        model.Compile(new RmsProp(), new CategoricalCrossentropy(), "accuracy");
        model.Fit(TrainingRun.Inputs(sample.Train, kind), sample.Train.OneHot, epochs: 1, batchSize: kind.DefaultBatchSize(), verbose: 0, seed: 2);
        string onnx = Path.Combine(folder, name + ".onnx"), images = Path.Combine(folder, name + ".images.f32");
        string outputs = Path.Combine(folder, name + ".outputs.f32"), json = Path.Combine(folder, name + ".json");
        OnnxExport.Save(model, onnx);
        var x = TrainingRun.Inputs(sample.Test, kind);
        File.WriteAllBytes(images, MemoryMarshal.AsBytes(x.Span).ToArray());

        var predict = Predictor(model, x);
        var tailor = new List<InferenceFigures>();
        var ort = new List<InferenceFigures>();
        for (int round = 1; round <= rounds; round++)
        {
            log.WriteLine($"Inference of {name}, round {round} of {rounds}: Tailor...");
            tailor.Add(InferenceBenchmark.Measure(x.Dim(0), predict));
            log.WriteLine($"Inference of {name}, round {round} of {rounds}: ONNX Runtime...");
            ort.Add(RunPeer(runner, onnx, images, json, outputs, threads));
        }
        var expected = model.Predict(x, batchSize: x.Dim(0));
        var actual = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(outputs));
        double difference = InferenceBenchmark.MaxAbsDifference(expected.Span, actual);
        return new OnnxRuntimeComparison(name, InferenceFigures.Best(tailor), InferenceFigures.Best(ort), difference, rounds);
    }

    /// <summary>Predict over images [start, start + count), on tensors cut before timing so that both sides time only the engine's call.</summary>
    private static Action<int, int> Predictor(Sequential model, Tensor x)
    {
        int n = x.Dim(0);
        Tensor Slice(int start, int count) => x.Slice(start, count);
        var single = new Tensor[n];
        for (int i = 0; i < n; i++) single[i] = Slice(i, 1);
        var batches = new Dictionary<int, Tensor>();
        for (int s = 0; s < n; s += InferenceBenchmark.ThroughputBatch) batches[s] = Slice(s, Math.Min(InferenceBenchmark.ThroughputBatch, n - s));
        return (start, count) =>
        {
            var input = count == 1 ? single[start] : count == n ? x : batches[start];
            model.Predict(input, batchSize: count);
        };
    }

    private static InferenceFigures RunPeer(string runner, string onnx, string images, string json, string outputs, int threads)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])[runner, "ort", "--model", onnx, "--images", images, "--json", json, "--outputs", outputs,
                     "--threads", threads.ToString(CultureInfo.InvariantCulture)])
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start dotnet {runner}.");
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"The ONNX Runtime runner ({runner} ort) exited with code {process.ExitCode}: {errors.Result.Trim().Split('\n').FirstOrDefault()}");
        return InferenceFigures.FromJson(File.ReadAllText(json), json);
    }
}
