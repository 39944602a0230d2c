using Tailor.Distribution.Mpi;

namespace Tailor.Tests.Distribution;

public sealed class PeerWatchdogTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly PeerState Running = new(PeerCondition.Running), Stopped = new(PeerCondition.Stopped);

    private static RankProcess Rank(int rank) => new(rank, "node1", 100 + rank);

    private static (RankProcess, PeerState, TimeSpan) Peer(int rank, PeerState state, double stoppedSeconds = 0) =>
        (Rank(rank), state, TimeSpan.FromSeconds(stoppedSeconds));

    [Fact]
    public void While_every_peer_runs_and_no_exchange_is_late_the_job_goes_on()
    {
        Assert.Null(PeerWatchdog.Judge(Rank(1), 4, [Peer(0, Running), Peer(2, Running), Peer(3, Running)], TimeSpan.FromSeconds(119), Timeout));
    }

    [Fact]
    public void A_killed_peer_is_named_with_its_signal_by_the_lowest_rank_still_running()
    {
        var killed = new PeerState(PeerCondition.Gone, WaitStatus: 9);
        (RankProcess, PeerState, TimeSpan)[] fromRank0 = [Peer(1, Running), Peer(2, killed), Peer(3, Running)];

        var first = PeerWatchdog.Judge(Rank(0), 4, fromRank0, TimeSpan.Zero, Timeout);
        var other = PeerWatchdog.Judge(Rank(3), 4, [Peer(0, Running), Peer(1, Running), Peer(2, killed)], TimeSpan.Zero, Timeout);

        Assert.Equal("tailor: rank 2 of 4 (pid 102 on node1) died (killed by signal 9, SIGKILL); the job is ended.", first!.Value.Line);
        Assert.True(first.Value.Reports);
        Assert.Equal(first.Value.Line, other!.Value.Line);
        Assert.False(other.Value.Reports);
    }

    [Fact]
    public void A_peer_that_aborted_beside_one_killed_from_outside_is_its_echo_so_only_the_killed_one_is_named()
    {
        var killed = new PeerState(PeerCondition.Gone, WaitStatus: 9);
        var aborted = new PeerState(PeerCondition.Gone, WaitStatus: 6);

        var verdict = PeerWatchdog.Judge(Rank(0), 4, [Peer(1, Running), Peer(2, killed), Peer(3, aborted)], TimeSpan.Zero, Timeout);

        Assert.Equal("tailor: rank 2 of 4 (pid 102 on node1) died (killed by signal 9, SIGKILL); the job is ended.", verdict!.Value.Line);
    }

    [Fact]
    public void Peers_that_died_alike_are_named_together()
    {
        var aborted = new PeerState(PeerCondition.Gone, WaitStatus: 6);

        var verdict = PeerWatchdog.Judge(Rank(0), 4, [Peer(1, Running), Peer(2, aborted), Peer(3, aborted)], TimeSpan.Zero, Timeout);

        Assert.Equal("tailor: ranks 2 (pid 102), 3 (pid 103) of 4 on node1 died; the job is ended.", verdict!.Value.Line);
    }

    [Theory]
    [InlineData(9, 2)]
    [InlineData(15, 2)]
    [InlineData(11, 2)]
    [InlineData(6, 0)]
    [InlineData(1 << 8, 0)]
    [InlineData(null, 1)]
    public void An_end_is_blamed_by_how_it_came(int? waitStatus, int blame)
    {
        Assert.Equal(blame, new PeerState(PeerCondition.Gone, waitStatus).Blame);
    }

    [Fact]
    public void When_rank_0_dies_rank_1_reports_it()
    {
        var verdict = PeerWatchdog.Judge(Rank(1), 2, [Peer(0, new PeerState(PeerCondition.Gone))], TimeSpan.Zero, Timeout);

        Assert.Equal("tailor: rank 0 of 2 (pid 100 on node1) died; the job is ended.", verdict!.Value.Line);
        Assert.True(verdict.Value.Reports);
    }

    [Fact]
    public void A_peer_that_exited_by_itself_said_why_so_the_others_leave_silently()
    {
        var exited = new PeerState(PeerCondition.Gone, WaitStatus: 1 << 8);

        var verdict = PeerWatchdog.Judge(Rank(0), 2, [Peer(1, exited)], TimeSpan.Zero, Timeout);

        Assert.False(verdict!.Value.Reports);
    }

    [Fact]
    public void A_stopped_peer_ends_the_job_only_after_the_grace()
    {
        double grace = PeerWatchdog.StopGrace.TotalSeconds;
        Assert.Null(PeerWatchdog.Judge(Rank(0), 3, [Peer(1, Stopped, grace - 0.1), Peer(2, Running)], TimeSpan.Zero, Timeout));

        var verdict = PeerWatchdog.Judge(Rank(0), 3, [Peer(1, Stopped, grace), Peer(2, Running)], TimeSpan.Zero, Timeout);

        Assert.Equal($"tailor: rank 1 of 3 (pid 101 on node1) has been stopped (SIGSTOP) for {grace:F0} s; the job is ended.", verdict!.Value.Line);
        Assert.True(verdict.Value.Reports);
    }

    [Fact]
    public void An_exchange_past_its_timeout_ends_the_job_naming_the_rank_that_waited()
    {
        var verdict = PeerWatchdog.Judge(Rank(2), 3, [Peer(0, Running), Peer(1, Running)], Timeout, Timeout);

        Assert.StartsWith("tailor: rank 2 of 3 waited 120 s in an exchange for ranks that did not come", verdict!.Value.Line);
    }

    [Theory]
    [InlineData("1234 (dotnet) R 1 2 3", "Running")]
    [InlineData("1234 (a) b) S 1 2 3", "Running")]
    [InlineData("1234 (dotnet) T 1 2 3", "Stopped")]
    [InlineData("1234 (dotnet) t 1 2 3", "Running")]
    public void The_state_letter_follows_the_last_parenthesis(string stat, string condition)
    {
        Assert.Equal(new PeerState(Enum.Parse<PeerCondition>(condition)), PeerWatchdog.StateOfStat(stat));
    }

    [Fact]
    public void A_zombie_carries_its_wait_status_in_field_52()
    {
        // Fields 4 to 51 as zeros, then the exit code field: killed by SIGKILL.
        string stat = "4321 (dotnet) Z " + string.Join(' ', Enumerable.Repeat("0", 48)) + " 9";

        var state = PeerWatchdog.StateOfStat(stat);

        Assert.Equal(PeerCondition.Gone, state.Condition);
        Assert.Equal(9, state.Signal);
        Assert.False(state.Exited);
    }

    [Fact]
    public void This_process_is_running_and_a_missing_one_is_gone()
    {
        Assert.Equal(PeerCondition.Running, PeerWatchdog.StateOf(Environment.ProcessId).Condition);
        Assert.Equal(PeerCondition.Gone, PeerWatchdog.StateOf(int.MaxValue).Condition);
    }
}
