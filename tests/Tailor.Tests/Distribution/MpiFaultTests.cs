using System.Diagnostics;
using Tailor.Tests.Cli;
using Tailor.Tests.Data;

namespace Tailor.Tests.Distribution;

/// <summary>
/// `tailor train` on four MPI ranks when one of them is stopped, killed, or the job is interrupted: every process
/// ends within 30 s with a non-zero exit, a line names the rank, and the latest checkpoint resumes on two ranks to
/// the bits of an uninterrupted run.
/// </summary>
public sealed class MpiFaultTests(MpiFaultTests.Uninterrupted uninterrupted) : IClassFixture<MpiFaultTests.Uninterrupted>
{
    /// <summary>
    /// 12,000 images: an epoch of about a second on two cores, so that a signal half a second into epoch 2 finds it
    /// under way (with 4,000, a fast stretch finished the epoch first and the ranks reported the end of the command).
    /// </summary>
    private static readonly string[] Train =
        ["train", "--model", "cnn-dropout", "--epochs", "2", "--shards", "4", "--train-images", "12000", "--test-images", "50", "--seed", "3", "--threads", "1"];

    /// <summary>The run every resumed one must equal: alone, without MPI.</summary>
    public sealed class Uninterrupted : IDisposable
    {
        private readonly TempDirectory _folder = new();

        public string Out => Path.Combine(_folder.Path, "whole");

        public void Build()
        {
            if (File.Exists(Path.Combine(Out, "model.safetensors"))) return;
            var (code, stdout, stderr) = MpiTrainTests.Run(null, [.. Train, "--out", Out]);
            Assert.True(code == 0, $"the uninterrupted run: exit {code}\n{stdout}\n{stderr}");
        }

        public void Dispose() => _folder.Dispose();
    }

    /// <summary>A job of <paramref name="ranks"/> ranks, each marked by an environment variable so that its processes can be found.</summary>
    private sealed class Job : IDisposable
    {
        private readonly string _marker = $"tailor-test-{Guid.NewGuid():N}";
        private readonly Process _process;
        private readonly System.Text.StringBuilder _stdout = new(), _stderr = new();

        public Job(int ranks, string[] args, string[] launcherOptions)
        {
            string[] command = [ChildProcess.DotnetHost(), Path.Combine(AppContext.BaseDirectory, "Tailor.Cli.dll"), .. args, "--data", VendoredData.Directory];
            var start = new ProcessStartInfo(MpiTrainTests.MpiExec!, [.. launcherOptions, "-n", $"{ranks}", .. command])
            {
                UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            start.Environment["TAILOR_TEST_JOB"] = _marker;
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => { lock (_stdout) _stdout.AppendLine(e.Data); };
            _process.ErrorDataReceived += (_, e) => { lock (_stderr) _stderr.AppendLine(e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int LauncherId => _process.Id;

        public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

        public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

        /// <summary>Waits until rank 0 has printed <paramref name="text"/>; fails when the job ends first.</summary>
        public void WaitFor(string text)
        {
            var clock = Stopwatch.StartNew();
            while (!Stdout.Contains(text, StringComparison.Ordinal))
            {
                Assert.False(_process.HasExited, $"The job ended before printing '{text}': exit {(_process.HasExited ? _process.ExitCode : 0)}\n{Stdout}\n{Stderr}");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"No '{text}' within 3 minutes:\n{Stdout}");
                Thread.Sleep(50);
            }
        }

        /// <summary>The pids of this job's rank processes, by rank (from their environment: PMI_RANK).</summary>
        public Dictionary<int, int> Ranks()
        {
            var ranks = new Dictionary<int, int>();
            foreach (string dir in Directory.GetDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
                string[] environment;
                try { environment = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0'); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
                if (!environment.Contains($"TAILOR_TEST_JOB={_marker}")) continue;
                if (environment.FirstOrDefault(v => v.StartsWith("PMI_RANK=", StringComparison.Ordinal)) is not { } rank) continue;
                string comm = File.Exists(Path.Combine(dir, "comm")) ? File.ReadAllText(Path.Combine(dir, "comm")).Trim() : "";
                if (comm is "dotnet" or "Tailor.Cli") ranks[int.Parse(rank["PMI_RANK=".Length..])] = pid;
            }
            return ranks;
        }

        /// <summary>Waits for the launcher to end: its exit code, or null after <paramref name="limit"/>.</summary>
        public int? WaitForExit(TimeSpan limit)
        {
            if (!_process.WaitForExit(limit)) return null;
            _process.WaitForExit();
            return _process.ExitCode;
        }

        public void Dispose()
        {
            // Whatever the outcome, nothing of this job outlives the test.
            foreach (int pid in Ranks().Values) Signal(pid, "KILL");
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", $"{pid}"]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>Signals rank <paramref name="rank"/> once epoch 2 has begun; returns when the job has ended, with its exit code, checking it took at most 30 s.</summary>
    private static int SignalRankInEpochTwo(Job job, int rank, string signal)
    {
        job.WaitFor("Epoch 2/2");
        Thread.Sleep(500);
        var ranks = job.Ranks();
        Assert.True(ranks.Count == 4, $"found the processes of ranks {string.Join(", ", ranks.Keys)} only");
        var clock = Stopwatch.StartNew();
        Signal(ranks[rank], signal);
        int? code = job.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(code != null, $"The job still ran 30 s after SIG{signal} to rank {rank}:\n{job.Stdout}\n{job.Stderr}");
        // Every rank is gone with the launcher: none was left behind, stopped or waiting.
        for (var wait = Stopwatch.StartNew(); job.Ranks().Count > 0 && wait.Elapsed < TimeSpan.FromSeconds(30 - clock.Elapsed.TotalSeconds);) Thread.Sleep(50);
        Assert.Empty(job.Ranks());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{clock.Elapsed.TotalSeconds:F1} s");
        return code.Value;
    }

    /// <summary>The lines tailor wrote to stderr (Hydra's banner goes to stdout).</summary>
    private static string[] TailorLines(string stderr) => [.. stderr.Split('\n').Where(l => l.StartsWith("tailor:", StringComparison.Ordinal))];

    [MpiFact]
    public void A_stopped_rank_ends_the_job_within_30_s_with_one_line_naming_it()
    {
        using var folder = new TempDirectory();
        using var job = new Job(4, [.. Train, "--out", folder.Path], []);

        int code = SignalRankInEpochTwo(job, 2, "STOP");

        Assert.NotEqual(0, code);
        var line = Assert.Single(TailorLines(job.Stderr));
        Assert.StartsWith("tailor: rank 2 of 4 (pid ", line);
        Assert.Contains("has been stopped (SIGSTOP)", line);
        Assert.False(File.Exists(Path.Combine(folder.Path, "model.safetensors")));
    }

    [MpiFact]
    public void A_killed_rank_ends_the_job_and_its_last_checkpoint_resumes_on_two_ranks_to_the_uninterrupted_bits()
    {
        uninterrupted.Build();
        using var folder = new TempDirectory();
        string first = Path.Combine(folder.Path, "first"), resumed = Path.Combine(folder.Path, "resumed");
        using (var job = new Job(4, [.. Train, "--checkpoint-every", "1", "--out", first], []))
        {
            Assert.NotEqual(0, SignalRankInEpochTwo(job, 2, "KILL"));
            // Hydra ends the others at once (SIGKILL); the line is the death witness's, written to mpiexec's own stderr.
            var line = Assert.Single(TailorLines(job.Stderr));
            // The signal is named when the witness reads the dead rank before its launcher reaps it.
            Assert.Matches(@"^tailor: rank 2 of 4 \(pid \d+ on .+\) died( \(killed by signal 9, SIGKILL\))?; the job is ended\.$", line);
        }

        var (code, stdout, stderr) = MpiTrainTests.Run(2, ["train", "--resume", Path.Combine(first, "checkpoints"), "--threads", "1", "--out", resumed]);

        Assert.True(code == 0, $"{stdout}\n{stderr}");
        Assert.Contains("at epoch 2.", stdout);
        Assert.Equal(File.ReadAllBytes(Path.Combine(uninterrupted.Out, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));
        Assert.Equal(MpiTrainTests.HistoryWithoutSeconds(uninterrupted.Out), MpiTrainTests.HistoryWithoutSeconds(resumed));
    }

    [MpiFact]
    public void Ctrl_c_stops_every_rank_at_one_step_and_rank_0_alone_writes_the_checkpoint_that_resumes_to_the_uninterrupted_bits()
    {
        uninterrupted.Build();
        using var folder = new TempDirectory();
        string first = Path.Combine(folder.Path, "first"), resumed = Path.Combine(folder.Path, "resumed");
        using (var job = new Job(4, [.. Train, "--out", first], []))
        {
            job.WaitFor("Epoch 2/2");
            Thread.Sleep(500);
            // Hydra's mpiexec passes a Ctrl-C on to every rank; each may see it at another step.
            Signal(job.LauncherId, "INT");
            int? code = job.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.True(code == 130, $"exit {code}\n{job.Stdout}\n{job.Stderr}");
            var line = Assert.Single(TailorLines(job.Stderr));
            Assert.Contains("Training was interrupted at epoch 2, after step", line);
        }
        Assert.Single(Directory.GetFiles(Path.Combine(first, "checkpoints"), "*.safetensors"));

        var (resumedCode, stdout, stderr) = MpiTrainTests.Run(2, ["train", "--resume", Path.Combine(first, "checkpoints"), "--threads", "1", "--out", resumed]);

        Assert.True(resumedCode == 0, $"{stdout}\n{stderr}");
        Assert.Equal(File.ReadAllBytes(Path.Combine(uninterrupted.Out, "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model.safetensors")));
        Assert.Equal(MpiTrainTests.HistoryWithoutSeconds(uninterrupted.Out), MpiTrainTests.HistoryWithoutSeconds(resumed));
    }
}
