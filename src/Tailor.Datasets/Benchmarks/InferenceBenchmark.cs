using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tailor.Benchmarks;

/// <summary>
/// Inference figures of one engine over a set of images: per-image latency at batch 1 (median and 99th
/// percentile of every image's time) and throughput at batch 64 and at one batch of the whole set.
/// The JSON form is what the ONNX Runtime runner (bench/Tailor.Bench, `ort`) writes and the tool reads.
/// </summary>
internal sealed record InferenceFigures(
    [property: JsonPropertyName("images")] int Images,
    [property: JsonPropertyName("latency_median_s")] double LatencyMedianSeconds,
    [property: JsonPropertyName("latency_p99_s")] double LatencyP99Seconds,
    [property: JsonPropertyName("batch64_images_per_s")] double Batch64ImagesPerSecond,
    [property: JsonPropertyName("full_batch_images_per_s")] double FullBatchImagesPerSecond)
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads the runner's JSON; a missing or unreadable figure names itself and the file.</summary>
    public static InferenceFigures FromJson(string json, string source)
    {
        InferenceFigures? figures;
        try { figures = JsonSerializer.Deserialize<InferenceFigures>(json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not the inference figures' JSON ({e.Message})."); }
        if (figures == null || figures.Images <= 0 || !(figures.LatencyMedianSeconds > 0) || !(figures.LatencyP99Seconds > 0)
            || !(figures.Batch64ImagesPerSecond > 0) || !(figures.FullBatchImagesPerSecond > 0))
            throw new InvalidDataException($"{source}: expected images, latency_median_s, latency_p99_s, batch64_images_per_s and full_batch_images_per_s, all positive; received {json.Trim()}.");
        return figures;
    }

    /// <summary>The best of several rounds, figure by figure: the lowest latencies and the highest throughputs.</summary>
    public static InferenceFigures Best(IReadOnlyList<InferenceFigures> rounds)
    {
        if (rounds.Count == 0) throw new ArgumentException("No rounds to take the best of.", nameof(rounds));
        return new InferenceFigures(rounds[0].Images, rounds.Min(r => r.LatencyMedianSeconds), rounds.Min(r => r.LatencyP99Seconds),
            rounds.Max(r => r.Batch64ImagesPerSecond), rounds.Max(r => r.FullBatchImagesPerSecond));
    }
}

/// <summary>
/// One measurement protocol for Tailor and ONNX Runtime alike: a caller gives a way to predict images
/// [start, start + count) and this times it at batch 1 (every image on its own), batch 64 and one batch
/// of all the images, each after a warm-up call.
/// </summary>
internal static class InferenceBenchmark
{
    public const int ThroughputBatch = 64;

    public static InferenceFigures Measure(int images, Action<int, int> predict)
    {
        if (images < ThroughputBatch) throw new ArgumentOutOfRangeException(nameof(images), images, $"Inference is measured over at least {ThroughputBatch} images.");
        for (int i = 0; i < 20; i++) predict(i, 1);
        var latencies = new double[images];
        for (int i = 0; i < images; i++)
        {
            long start = Stopwatch.GetTimestamp();
            predict(i, 1);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        predict(0, ThroughputBatch);
        double batched = Time(() => { for (int s = 0; s < images; s += ThroughputBatch) predict(s, Math.Min(ThroughputBatch, images - s)); });
        predict(0, images);
        double whole = Time(() => predict(0, images));
        return new InferenceFigures(images, Percentile(latencies, 50), Percentile(latencies, 99), images / batched, images / whole);
    }

    /// <summary>The nearest-rank percentile: the smallest value with at least <paramref name="percent"/>% of the values at or below it.</summary>
    public static double Percentile(IReadOnlyList<double> values, double percent)
    {
        if (values.Count == 0) throw new ArgumentException("No values.", nameof(values));
        if (!(percent > 0 && percent <= 100)) throw new ArgumentOutOfRangeException(nameof(percent), percent, "A percentile is in (0, 100].");
        var sorted = values.OrderBy(v => v).ToArray();
        int rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    /// <summary>The largest absolute difference of two outputs of equal length.</summary>
    public static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"The outputs differ in length: {a.Length} and {b.Length} values.");
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs((double)a[i] - b[i]);
            if (double.IsNaN(d)) return double.NaN;
            max = Math.Max(max, d);
        }
        return max;
    }

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
