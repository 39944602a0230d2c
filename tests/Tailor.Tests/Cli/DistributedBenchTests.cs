using System.Diagnostics;
using System.Text.Json;
using Tailor.Tests.Data;
using Tailor.Tests.Distribution;

namespace Tailor.Tests.Cli;

/// <summary>`tailor bench --distributed`: the data-parallel step by phase, alone and on MPI ranks.</summary>
public sealed class DistributedBenchTests
{
    [Fact]
    public void Alone_it_times_the_whole_batch_step_and_exchanges_nothing()
    {
        using var folder = new TempDirectory();
        string json = Path.Combine(folder.Path, "distributed.json");
        var result = CliProcess.Run(folder.Path, "bench", "--distributed", "--epochs", "1", "--data", VendoredData.Directory, "--json", json);

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var root = document.RootElement;
        Assert.Equal(1, root.GetProperty("ranks").GetInt32());
        Assert.Equal(0, root.GetProperty("block_bytes").GetInt64());
        var step = root.GetProperty("steps")[0];
        // 8,000 training images at the CNN's batch of 64.
        Assert.Equal(125, step.GetProperty("steps").GetInt32());
        Assert.True(step.GetProperty("compute_s").GetDouble() > 0);
        Assert.Equal(0, step.GetProperty("exchange_s").GetDouble());
        Assert.False(root.TryGetProperty("projection", out _));
    }

    [Theory]
    [InlineData("--models", "dense,cnn", "one model at a time")]
    [InlineData("--latency-us", "5", "--latency-us and --bandwidth-gbit go together")]
    [InlineData("--shards", "0", "--shards")]
    public void Bad_options_are_refused_in_one_line(string option, string value, string expected)
    {
        using var folder = new TempDirectory();
        var result = CliProcess.Run(folder.Path, "bench", "--distributed", option, value, "--data", VendoredData.Directory);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.Contains(expected, result.Stderr);
    }

    [Fact]
    public void Shards_without_distributed_are_refused()
    {
        using var folder = new TempDirectory();
        var result = CliProcess.Run(folder.Path, "bench", "--shards", "2", "--data", VendoredData.Directory);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("go with --distributed", result.Stderr);
    }

    [MpiFact]
    public void Two_ranks_exchange_one_record_each_and_project_the_step()
    {
        using var folder = new TempDirectory();
        string json = Path.Combine(folder.Path, "distributed.json");
        var start = new ProcessStartInfo(MpiTrainTests.MpiExec!, ["-n", "2", ChildProcess.DotnetHost(), Path.Combine(AppContext.BaseDirectory, "Tailor.Cli.dll"),
            "bench", "--distributed", "--epochs", "1", "--threads", "1", "--latency-us", "5", "--bandwidth-gbit", "40", "--data", VendoredData.Directory, "--json", json])
        { UseShellExecute = false, WorkingDirectory = folder.Path };
        var (code, stdout, stderr) = ChildProcess.Run(start, TimeSpan.FromMinutes(3)) ?? throw new TimeoutException("bench --distributed on 2 ranks did not finish within 3 minutes.");

        Assert.True(code == 0, stderr);
        Assert.Single(stdout.Split('\n'), l => l.StartsWith("Wrote ", StringComparison.Ordinal));
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var root = document.RootElement;
        Assert.Equal(2, root.GetProperty("shards").GetInt32());
        // One shard's record (the loss, accuracy's two sums and the CNN's 93,322 gradients) and the stop flag, as doubles.
        Assert.Equal(8 * (1 + 2 + 93_322 + 1), root.GetProperty("block_bytes").GetInt64());
        Assert.Equal(2, root.GetProperty("steps").GetArrayLength());
        foreach (var rank in root.GetProperty("steps").EnumerateArray())
            Assert.True(rank.GetProperty("exchange_s").GetDouble() > 0);
        Assert.Equal(5, root.GetProperty("calibration").GetArrayLength());
        var projection = root.GetProperty("projection");
        Assert.Equal(["10 GbE", "100 Gb InfiniBand", "5 µs, 40 Gbit/s"], projection.EnumerateArray().Select(p => p.GetProperty("network").GetString()));
        foreach (var network in projection.EnumerateArray())
        {
            double two = network.GetProperty("speedup").GetProperty("2").GetDouble();
            Assert.InRange(two, 0.1, 2.0);
        }
    }
}
