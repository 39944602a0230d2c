using System.Diagnostics;
using Tailor.Tests.Cli;
using Tailor.Tests.Data;

namespace Tailor.Tests.Distribution;

/// <summary>A fact that needs MPICH's mpiexec; reported as skipped, not passed, where it is missing.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiTrainTests.MpiExec == null) Skip = "MPICH's mpiexec (mpiexec.mpich or mpiexec.hydra) is not on the PATH (Debian package mpich).";
    }
}

/// <summary>
/// `tailor train --shards S` under mpiexec: every rank computes its shards and receives the others', so 1 and 2
/// ranks (and no MPI at all) write the same model and history, bit for bit; rank 0 alone writes them.
/// </summary>
public sealed class MpiTrainTests
{
    internal static readonly string? MpiExec = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .SelectMany(dir => new[] { Path.Combine(dir, "mpiexec.mpich"), Path.Combine(dir, "mpiexec.hydra") })
        .FirstOrDefault(File.Exists);

    private static readonly string[] Train =
        ["train", "--model", "cnn", "--epochs", "2", "--shards", "4", "--train-images", "400", "--test-images", "50", "--seed", "1"];

    internal static (int ExitCode, string Stdout, string Stderr) Run(int? ranks, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Tailor.Cli.dll");
        string[] command = [ChildProcess.DotnetHost(), dll, .. args, "--data", VendoredData.Directory];
        var start = ranks is int n ? new ProcessStartInfo(MpiExec!, ["-n", $"{n}", .. command]) : new ProcessStartInfo(command[0], command[1..]);
        start.UseShellExecute = false;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return ChildProcess.Run(start, TimeSpan.FromMinutes(3)) ?? throw new TimeoutException($"tailor {string.Join(' ', args)} on {ranks} ranks did not finish within 3 minutes.");
    }

    /// <summary>history.csv without its seconds column, which is the clock's, not the training's.</summary>
    internal static string[] HistoryWithoutSeconds(string folder)
    {
        var lines = File.ReadAllLines(Path.Combine(folder, "history.csv"));
        int seconds = Array.IndexOf(lines[0].Split(','), "seconds");
        Assert.True(seconds >= 0, lines[0]);
        return [.. lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != seconds)))];
    }

    [MpiFact]
    public void One_rank_two_ranks_and_no_mpi_write_the_same_model_and_history()
    {
        using var folder = new TempDirectory();
        var outputs = new Dictionary<string, string>();
        foreach (int? ranks in new int?[] { null, 1, 2 })
        {
            string output = Path.Combine(folder.Path, ranks is int n ? $"ranks{n}" : "alone");
            var (code, stdout, stderr) = Run(ranks, [.. Train, "--out", output]);
            Assert.True(code == 0, $"{ranks} ranks: exit {code}\n{stdout}\n{stderr}");
            outputs[output] = stdout;
        }
        string alone = Path.Combine(folder.Path, "alone"), one = Path.Combine(folder.Path, "ranks1"), two = Path.Combine(folder.Path, "ranks2");
        byte[] model = File.ReadAllBytes(Path.Combine(alone, "model.safetensors"));
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(one, "model.safetensors")));
        Assert.Equal(model, File.ReadAllBytes(Path.Combine(two, "model.safetensors")));
        Assert.Equal(3, HistoryWithoutSeconds(alone).Length);
        Assert.Equal(HistoryWithoutSeconds(alone), HistoryWithoutSeconds(one));
        Assert.Equal(HistoryWithoutSeconds(alone), HistoryWithoutSeconds(two));
        // Rank 0 alone speaks: one summary line, not two.
        Assert.Single(outputs[two].Split('\n'), l => l.StartsWith("Wrote ", StringComparison.Ordinal));
    }

    [MpiFact]
    public void A_batch_normalization_model_on_two_ranks_writes_the_model_of_one_process()
    {
        // Each shard normalizes by its own statistics and the moving averages are combined in shard order,
        // so the non-trainable state, too, is the same whoever computed the shards.
        using var folder = new TempDirectory();
        string[] normalized = [.. Train.Select(a => a == "cnn" ? "cnn-bn" : a)];
        string alone = Path.Combine(folder.Path, "alone"), two = Path.Combine(folder.Path, "two");
        Assert.Equal(0, Run(null, [.. normalized, "--out", alone]).ExitCode);
        var (code, _, stderr) = Run(2, [.. normalized, "--threads", "1", "--out", two]);

        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(Path.Combine(alone, "model.safetensors")), File.ReadAllBytes(Path.Combine(two, "model.safetensors")));
        Assert.Equal(HistoryWithoutSeconds(alone), HistoryWithoutSeconds(two));
    }

    [MpiFact]
    public void A_checkpoint_of_four_ranks_resumes_on_two_to_the_bits_of_an_uninterrupted_run()
    {
        using var folder = new TempDirectory();
        string[] dropout = [.. Train.Select(a => a == "cnn" ? "cnn-dropout" : a)];
        string whole = Path.Combine(folder.Path, "whole"), first = Path.Combine(folder.Path, "first"), resumed = Path.Combine(folder.Path, "resumed");
        Assert.Equal(0, Run(null, [.. dropout, "--out", whole]).ExitCode);
        // One epoch of two on four ranks (oversubscribed: each takes one thread), then the second on two.
        var four = Run(4, [.. dropout.Select(a => a == "2" ? "1" : a), "--checkpoint-every", "1", "--threads", "1", "--out", first]);
        Assert.True(four.ExitCode == 0, four.Stderr);

        var (code, stdout, stderr) = Run(2, ["train", "--resume", Path.Combine(first, "checkpoints"), "--epochs", "2", "--threads", "1", "--out", resumed]);

        Assert.True(code == 0, stderr);
        Assert.Single(stdout.Split('\n'), l => l.StartsWith("Resuming from ", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));
        Assert.Equal(HistoryWithoutSeconds(whole), HistoryWithoutSeconds(resumed));
    }

    [MpiFact]
    public void Two_ranks_without_shards_are_refused_naming_the_option()
    {
        using var folder = new TempDirectory();
        var (code, _, stderr) = Run(2, ["train", "--model", "dense", "--epochs", "1", "--train-images", "100", "--test-images", "10", "--out", folder.Path]);
        Assert.NotEqual(0, code);
        Assert.Contains("--shards is needed on 2 MPI ranks", stderr);
        Assert.False(File.Exists(Path.Combine(folder.Path, "model.safetensors")));
    }

    /// <summary>A one-process dense train into <paramref name="output"/> under <paramref name="environment"/>, which must fail in one line: that line.</summary>
    private static string RefusalLine(string output, Dictionary<string, string> environment)
    {
        var (code, _, stderr) = Run(null, ["train", "--model", "dense", "--epochs", "1", "--shards", "2", "--out", output], environment);
        Assert.NotEqual(0, code);
        return Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Srun_tasks_without_an_mpi_plugin_are_refused_in_one_line()
    {
        using var folder = new TempDirectory();
        string line = RefusalLine(folder.Path, new() { ["SLURM_PROCID"] = "1", ["SLURM_NTASKS"] = "2" });
        Assert.Contains("srun --mpi=pmi2", line);
        Assert.False(File.Exists(Path.Combine(folder.Path, "model.safetensors")));
    }

    [Theory]
    [InlineData("/nonexistent/libmpich.so.12")]
    [InlineData("/nonexistent/libmpi.so.12")]
    public void A_launcher_without_the_mpi_library_is_one_line_naming_it(string library)
    {
        // What a machine without MPICH sees under an MPI-style environment: the library it tried, and the apt command.
        using var folder = new TempDirectory();
        string line = RefusalLine(folder.Path, new() { ["PMI_RANK"] = "0", ["PMI_SIZE"] = "1", ["TAILOR_MPI_LIBRARY"] = library });
        Assert.Contains(library, line);
        Assert.Contains("apt-get install mpich", line);
        Assert.False(File.Exists(Path.Combine(folder.Path, "model.safetensors")));
    }

    [Fact]
    public void Open_mpi_is_refused_in_one_line()
    {
        using var folder = new TempDirectory();
        string line = RefusalLine(folder.Path, new() { ["OMPI_COMM_WORLD_RANK"] = "0", ["OMPI_COMM_WORLD_SIZE"] = "1" });
        Assert.Contains("only MPICH-ABI MPIs", line);
    }
}
