using Tailor.Benchmarks;
using Tailor.Tests.Data;

namespace Tailor.Tests.Benchmarks;

public class OnnxRuntimeBenchmarkTests
{
    private static InferenceFigures Figures(double median, double p99, double batch64, double full) => new(10_000, median, p99, batch64, full);

    [Fact]
    public void The_nearest_rank_percentile_is_a_measured_value()
    {
        var values = Enumerable.Range(1, 200).Select(i => (double)i).Reverse().ToArray();
        Assert.Equal(100, InferenceBenchmark.Percentile(values, 50));
        Assert.Equal(198, InferenceBenchmark.Percentile(values, 99));
        Assert.Equal(200, InferenceBenchmark.Percentile(values, 100));
        Assert.Equal(7, InferenceBenchmark.Percentile([7.0], 99));
        Assert.Throws<ArgumentOutOfRangeException>(() => InferenceBenchmark.Percentile(values, 0));
    }

    [Fact]
    public void The_protocol_predicts_every_image_alone_then_in_64s_then_all_at_once()
    {
        var calls = new List<(int Start, int Count)>();
        var figures = InferenceBenchmark.Measure(130, (start, count) => calls.Add((start, count)));
        var timed = calls.Skip(20).ToList(); // the warm-up: 20 single images
        Assert.Equal(Enumerable.Range(0, 130).Select(i => (i, 1)), timed.Take(130));
        Assert.Equal([(0, 64), (0, 64), (64, 64), (128, 2), (0, 130), (0, 130)], timed.Skip(130));
        Assert.Equal(130, figures.Images);
    }

    [Fact]
    public void The_runner_json_round_trips_and_a_missing_figure_is_named()
    {
        var figures = Figures(1e-4, 3e-4, 9000, 12000);
        Assert.Equal(figures, InferenceFigures.FromJson(figures.ToJson(), "x.json"));
        Assert.Contains("\"latency_p99_s\"", figures.ToJson());

        var e = Assert.Throws<InvalidDataException>(() => InferenceFigures.FromJson("{\"images\": 10000, \"latency_median_s\": 0.001}", "out.json"));
        Assert.StartsWith("out.json: expected images, latency_median_s, latency_p99_s, batch64_images_per_s and full_batch_images_per_s", e.Message);
        Assert.Throws<InvalidDataException>(() => InferenceFigures.FromJson("not json", "out.json"));
    }

    [Fact]
    public void The_best_round_takes_the_lowest_latencies_and_the_highest_throughputs()
    {
        var best = InferenceFigures.Best([Figures(2e-4, 5e-4, 9000, 11000), Figures(3e-4, 4e-4, 9500, 10000)]);
        Assert.Equal(Figures(2e-4, 4e-4, 9500, 11000), best);
    }

    [Fact]
    public void Ratios_are_above_one_where_tailor_is_faster_and_the_json_holds_both_sides()
    {
        var c = new OnnxRuntimeComparison("cnn", Figures(1e-4, 2e-4, 20_000, 30_000), Figures(2e-4, 3e-4, 10_000, 10_000), 3e-7, 2);
        Assert.Equal(2.0, c.LatencyRatio, 12);
        Assert.Equal(1.5, c.LatencyP99Ratio, 12);
        Assert.Equal(2.0, c.Batch64Ratio, 12);
        Assert.Equal(3.0, c.FullBatchRatio, 12);
        Assert.True(c.OutputsAgree);
        Assert.False((c with { MaxAbsDifference = 2e-4 }).OutputsAgree);
        var json = c.ToJson();
        Assert.Equal(["model", "images", "rounds", "tailor", "onnx_runtime", "batch1_latency_ratio", "batch1_p99_latency_ratio",
            "batch64_throughput_ratio", "full_batch_throughput_ratio", "max_abs_difference", "outputs_agree"], json.Keys);
        var ort = (Dictionary<string, object?>)json["onnx_runtime"]!;
        Assert.Equal(["batch1_latency_median_s", "batch1_latency_p99_s", "batch64_images_per_s", "full_batch_images_per_s"], ort.Keys);
    }

    [Fact]
    public void The_output_difference_is_the_largest_and_nan_wins()
    {
        Assert.Equal(0.5, InferenceBenchmark.MaxAbsDifference([1f, 2f, 3f], [1f, 2.5f, 2.9f]), 6);
        Assert.True(double.IsNaN(InferenceBenchmark.MaxAbsDifference([1f, float.NaN], [1f, 1f])));
        Assert.Throws<ArgumentException>(() => InferenceBenchmark.MaxAbsDifference([1f], [1f, 2f]));
    }

    [Fact]
    public void The_runner_is_found_under_a_parent_folder_or_at_the_given_path_and_a_missing_one_says_how_to_build_it()
    {
        using var folder = new TempDirectory();
        string root = folder.File("repo");
        string dll = Path.Combine(root, OnnxRuntimeBenchmark.RunnerRelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(dll)!);
        File.WriteAllText(dll, "");
        string deep = Path.Combine(root, "src", "Tailor.Cli");
        Directory.CreateDirectory(deep);

        Assert.Equal(dll, OnnxRuntimeBenchmark.FindRunner(null, [deep]));
        Assert.Equal(dll, OnnxRuntimeBenchmark.FindRunner(Path.GetDirectoryName(dll), []));
        Assert.Equal(dll, OnnxRuntimeBenchmark.FindRunner(dll, []));

        var missing = Assert.Throws<FileNotFoundException>(() => OnnxRuntimeBenchmark.FindRunner(null, [folder.File("elsewhere")]));
        Assert.Equal($"--onnx-runtime: no built bench program ({OnnxRuntimeBenchmark.RunnerRelativePath}); build it with `dotnet build bench/Tailor.Bench -c Release` from the repository root, or give its path: --onnx-runtime PATH.", missing.Message);
        var wrong = Assert.Throws<FileNotFoundException>(() => OnnxRuntimeBenchmark.FindRunner(folder.File("nope.dll"), []));
        Assert.StartsWith("--onnx-runtime: no Tailor.Bench.dll at", wrong.Message);
    }
}
