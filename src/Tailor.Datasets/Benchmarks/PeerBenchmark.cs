using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Tailor.Benchmarks;

/// <summary>One model's figures as the PyTorch peer script prints them.</summary>
internal sealed record PeerResult(string Model, int BatchSize, double MedianEpochSeconds, double TestAccuracy, double InferenceSeconds, int TrainImages);

/// <summary>Runs the PyTorch peer script (shared/bench/peer_torch.py) and reads its lines.</summary>
internal static partial class PeerBenchmark
{
    /// <summary>The peer's model names mapped to Tailor's.</summary>
    public static readonly IReadOnlyDictionary<string, string> ModelNames = new Dictionary<string, string>
    {
        ["dense"] = "dense", ["conv"] = "cnn", ["conv_dropout"] = "cnn-dropout",
    };

    public static IReadOnlyList<PeerResult> Run(string script, string dataDirectory, int threads, TextWriter log, string python = "/usr/bin/python3")
    {
        if (!File.Exists(script)) throw new FileNotFoundException($"--peer: no peer script at '{Path.GetFullPath(script)}'.");
        if (!File.Exists(python)) throw new FileNotFoundException($"--peer needs {python} with PyTorch (apt-get install python3-torch libopenblas0-pthread).");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(dataDirectory);
        start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {python}.");
        var errors = process.StandardError.ReadToEndAsync();
        var results = new List<PeerResult>();
        string? line;
        while ((line = process.StandardOutput.ReadLine()) != null)
        {
            log.WriteLine($"  peer: {line}");
            if (Parse(line) is PeerResult r) results.Add(r);
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"The peer script '{script}' exited with code {process.ExitCode}: {errors.Result.Trim().Split('\n').LastOrDefault()}");
        return results;
    }

    public static PeerResult? Parse(string line)
    {
        var m = PeerLine().Match(line);
        if (!m.Success || !ModelNames.TryGetValue(m.Groups["name"].Value, out var model)) return null;
        double D(string key) => double.Parse(m.Groups[key].Value, CultureInfo.InvariantCulture);
        return new PeerResult(model, int.Parse(m.Groups["batch"].Value, CultureInfo.InvariantCulture), D("epoch"), D("acc"), D("infer"),
            int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^(?<name>\w+): epochs=\d+ batch=(?<batch>\d+) median_epoch_s=(?<epoch>[\d.]+) .*test_acc=(?<acc>[\d.]+) infer_s=(?<infer>[\d.]+) n_train=(?<n>\d+)")]
    private static partial Regex PeerLine();
}
