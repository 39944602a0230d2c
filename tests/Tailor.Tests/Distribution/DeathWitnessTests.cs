using System.Diagnostics;
using Tailor.Distribution.Mpi;
using Tailor.Tests.Cli;

namespace Tailor.Tests.Distribution;

/// <summary>A test of Linux processes (pidfds, /proc), skipped elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "The death witness watches Linux processes through pidfds and /proc.";
    }
}

/// <summary>
/// The death witness, run as tailor runs it (the CLI started again with its argument), over stand-in ranks:
/// `sleep` processes of this test. It needs no MPI: it watches process ids.
/// </summary>
public sealed class DeathWitnessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [LinuxFact]
    public void A_rank_that_dies_without_a_mark_is_named_once_and_the_witness_leaves()
    {
        using var ranks = new StandIns(3);
        using var witness = ranks.StartWitness();

        ranks.Kill(1);

        Assert.True(witness.WaitForExit(Patience), "the witness still ran 30 s after the death");
        var lines = witness.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Matches($@"^tailor: rank 1 of 3 \(pid {ranks.Pid(1)} on {Environment.MachineName}\) died( \(killed by signal 9, SIGKILL\))?; the job is ended\.$", line);
        Assert.False(Directory.Exists(ranks.Folder), "the marks' folder outlived the witness");
    }

    [LinuxFact]
    public void A_rank_that_marked_its_leaving_goes_unreported_and_so_do_the_ranks_after_it()
    {
        using var ranks = new StandIns(3);
        using var witness = ranks.StartWitness();

        DeathWitness.MarkLeaving(ranks.Pid(0), 2);
        ranks.Kill(2);
        Assert.True(witness.WaitForExit(Patience), "the witness still ran 30 s after the first rank left");
        ranks.Kill(0);

        Assert.Equal("", witness.Stderr);
        Assert.Equal(0, witness.ExitCode);
    }

    private static readonly PeerState Unknown = new(PeerCondition.Gone), Killed = new(PeerCondition.Gone, 9),
        Aborted = new(PeerCondition.Gone, 6), Exited = new(PeerCondition.Gone, 1 << 8);

    private static int[] Named(params (int Rank, PeerState State, int Wave)[] dead) =>
        [.. DeathWitness.FirstCauses(dead, d => d.State, d => d.Wave).Select(d => d.Rank).Order()];

    /// <summary>
    /// A rank seen dying before its process was a zombie has an unknown end; the launcher's SIGKILLs to the others,
    /// seen after it, are its echo, not its cause (a CI run named ranks 1 and 3 for a SIGKILL sent to rank 2).
    /// </summary>
    [Fact]
    public void The_first_death_that_may_be_the_cause_is_named_though_later_ones_are_better_known()
    {
        Assert.Equal([2], Named((2, Unknown, 0), (1, Killed, 3), (3, Killed, 3)));
        Assert.Equal([2], Named((2, Killed, 0), (1, Killed, 1)));
    }

    [Fact]
    public void An_abort_or_exit_is_an_echo_and_yields_to_a_cause_that_shows_after_it()
    {
        Assert.Equal([3], Named((1, Aborted, 0), (3, Killed, 2)));
        Assert.Equal([3], Named((1, Exited, 0), (3, Unknown, 1)));
    }

    [Fact]
    public void Of_deaths_seen_at_once_the_surest_are_named_and_echoes_alone_are_named_together()
    {
        Assert.Equal([1], Named((1, Killed, 0), (2, Unknown, 0), (3, Aborted, 0)));
        Assert.Equal([1, 2], Named((1, Aborted, 1), (2, Aborted, 1), (3, Exited, 2)));
        Assert.Empty(Named());
    }

    /// <summary>Processes standing in for the ranks of one machine, rank i being the i-th.</summary>
    private sealed class StandIns : IDisposable
    {
        private readonly Process[] _processes;
        private readonly int[] _pids;

        public StandIns(int count)
        {
            _processes = [.. Enumerable.Range(0, count).Select(_ => Process.Start("sleep", "300"))];
            _pids = [.. _processes.Select(p => p.Id)];
        }

        public int Pid(int rank) => _pids[rank];

        public string Folder => DeathWitness.Folder(Pid(0));

        public void Kill(int rank) => _processes[rank].Kill();

        public Witness StartWitness()
        {
            var local = _processes.Select((p, r) => new RankProcess(r, Environment.MachineName, p.Id)).ToList();
            Directory.CreateDirectory(Folder);
            string dll = Path.Combine(AppContext.BaseDirectory, "Tailor.Cli.dll");
            var start = new ProcessStartInfo(ChildProcess.DotnetHost()) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(dll);
            start.ArgumentList.Add(DeathWitness.Argument);
            start.ArgumentList.Add($"{local.Count}");
            start.ArgumentList.Add(Folder);
            foreach (var rank in local) start.ArgumentList.Add($"{rank.Rank}:{rank.Pid}@{rank.Host}");
            var witness = new Witness(Process.Start(start)!);
            var clock = Stopwatch.StartNew();
            while (!DeathWitness.Watching(Pid(0)))
            {
                Assert.True(clock.Elapsed < Patience && !witness.Process.HasExited, $"the witness did not start watching: {witness.Process.HasExited}");
                Thread.Sleep(20);
            }
            return witness;
        }

        public void Dispose()
        {
            foreach (var p in _processes)
            {
                if (!p.HasExited) p.Kill();
                p.Dispose();
            }
            if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        }
    }

    private sealed class Witness(Process process) : IDisposable
    {
        private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();

        public Process Process => process;

        public string Stderr => _stderr.Result;

        public int ExitCode => process.ExitCode;

        public bool WaitForExit(TimeSpan patience) => process.WaitForExit(patience);

        public void Dispose()
        {
            if (!process.HasExited) process.Kill();
            process.Dispose();
        }
    }
}
