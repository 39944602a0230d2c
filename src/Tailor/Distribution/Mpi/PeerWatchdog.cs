using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Tailor.Distribution.Mpi;

/// <summary>One rank of a job as its peers know it: the machine it runs on and its process id.</summary>
internal readonly record struct RankProcess(int Rank, string Host, int Pid);

/// <summary>What a rank's process is doing, as /proc tells it; for an ended one, its wait status while it is a zombie.</summary>
internal readonly record struct PeerState(PeerCondition Condition, int? WaitStatus = null)
{
    /// <summary>The signal that killed it, when known.</summary>
    public int? Signal => WaitStatus is int status && (status & 0x7f) != 0 ? status & 0x7f : null;

    /// <summary>Whether it ended by exiting (it then said why itself: tailor prints one line before any failing exit).</summary>
    public bool Exited => WaitStatus is int status && (status & 0x7f) == 0;

    /// <summary>
    /// How surely this end is the cause of a job's end rather than the echo of another rank's: 2 for a signal from
    /// outside or a crash of its own (SIGKILL, SIGTERM, SIGSEGV); 1 when the end is not known (its launcher reaped
    /// it first); 0 for an abort (SIGABRT) or an exit, the ways a library gives up when its peer vanishes in the
    /// middle of a transfer: UCX aborts a rank whose shared-memory copy finds the peer's memory gone.
    /// </summary>
    public int Blame => Signal switch { null when WaitStatus == null => 1, null or Abort => 0, _ => 2 };

    private const int Abort = 6;
}

/// <summary>What a rank's process is doing, as /proc tells it.</summary>
internal enum PeerCondition
{
    Running,
    /// <summary>Ended (a zombie, or reaped): it will never reach the next exchange.</summary>
    Gone,
    /// <summary>Stopped by a signal (SIGSTOP, SIGTSTP), not by a debugger.</summary>
    Stopped,
}

/// <summary>
/// Ends this rank of a job that can no longer finish, rather than leaving it in an exchange forever. A
/// background thread looks, every <see cref="Poll"/>, at the processes of the ranks on this machine (their pids
/// were gathered at start) and at how long this rank has waited in the current exchange. When a peer has died,
/// has been stopped for <see cref="StopGrace"/>, or the exchange has waited longer than the timeout, the
/// lowest-numbered rank still running here prints one line naming the rank, and every rank that sees it exits
/// with code 1 two seconds later; a launcher such as Hydra's mpiexec ends them all sooner. MPI_Abort is not called: this thread may
/// not call MPI while the main thread is inside it (MPI_THREAD_SERIALIZED).
/// </summary>
/// <remarks>
/// Hydra itself ends a job at once when a rank dies, with SIGKILL to the others and a banner naming a pid; the
/// line here names the rank. Seen from /proc, a dead process is a zombie until its launcher reaps it, so the
/// survivors see it within one poll, before the launcher's SIGKILL reaches them, as a rule.
/// </remarks>
internal sealed partial class PeerWatchdog : IDisposable
{
    public static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    /// <summary>How long every rank waits between its verdict and its exit (a launcher such as Hydra's ends them sooner).</summary>
    private static readonly TimeSpan ExitDelay = TimeSpan.FromSeconds(2);

    private readonly RankProcess _self;
    private readonly int _size;
    private readonly RankProcess[] _neighbours;
    private readonly int _leaderPid;
    private readonly TimeSpan _timeout;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private long _exchangeSince;

    public PeerWatchdog(RankProcess self, IReadOnlyList<RankProcess> ranks, TimeSpan exchangeTimeout)
    {
        _self = self;
        _size = ranks.Count;
        _neighbours = [.. ranks.Where(r => r.Rank != self.Rank && r.Host == self.Host)];
        _leaderPid = LeaderPid(self, ranks);
        _timeout = exchangeTimeout;
        _thread = new Thread(Watch) { IsBackground = true, Name = "tailor MPI watchdog" };
        _thread.Start();
    }

    /// <summary>This rank enters an exchange: from now on its wait counts against the timeout.</summary>
    public void EnterExchange() => Volatile.Write(ref _exchangeSince, Stopwatch.GetTimestamp());

    /// <summary>This rank left the exchange.</summary>
    public void LeaveExchange() => Volatile.Write(ref _exchangeSince, 0);

    public void Dispose() => _stop.Cancel();

    private void Watch()
    {
        // A pidfd becomes readable the moment its rank's first thread (or, before Linux 6.9, its process) ends, so
        // the line goes out before a launcher's SIGKILL reaches this rank, as a rule; where pidfds are missing
        // (Linux before 5.3) /proc is read every poll.
        var pollFds = new PollFd[_neighbours.Length];
        for (int i = 0; i < pollFds.Length; i++) pollFds[i] = new PollFd { Fd = PidFdOpenFirstThread(_neighbours[i].Pid), Events = PollIn };
        bool pidFds = pollFds.Length > 0 && pollFds.All(p => p.Fd >= 0);
        var stoppedSince = new Dictionary<int, long>();
        WarmUp();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (pidFds) PollFds(pollFds, pollFds.Length, (int)Poll.TotalMilliseconds);
                else _stop.Token.WaitHandle.WaitOne(Poll);
                if (_stop.IsCancellationRequested) return;
                long now = Stopwatch.GetTimestamp();
                var seen = new List<(RankProcess, PeerState, TimeSpan)>(_neighbours.Length);
                for (int i = 0; i < _neighbours.Length; i++)
                {
                    var peer = _neighbours[i];
                    var state = StateOf(peer.Pid);
                    if (pidFds && (pollFds[i].ReturnedEvents & PollIn) != 0 && state.Condition != PeerCondition.Gone) state = new PeerState(PeerCondition.Gone);
                    if (state.Condition != PeerCondition.Stopped) stoppedSince.Remove(peer.Rank);
                    else if (!stoppedSince.ContainsKey(peer.Rank)) stoppedSince[peer.Rank] = now;
                    seen.Add((peer, state, state.Condition == PeerCondition.Stopped ? Stopwatch.GetElapsedTime(stoppedSince[peer.Rank], now) : TimeSpan.Zero));
                }
                long since = Volatile.Read(ref _exchangeSince);
                var waited = since == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(since, now);
                if (Judge(_self, _size, seen, waited, _timeout) is not { } verdict || _stop.IsCancellationRequested) continue;
                // A death is the witness's to tell, when one watches: it outlives the launcher's cleanup.
                if (verdict.Reports && !(verdict.Death && DeathWitness.Watching(_leaderPid)))
                {
                    Console.Error.WriteLine(verdict.Line);
                    Console.Error.Flush();
                }
                // Every rank, the one that spoke too, lingers: a rank whose watchdog runs late must still find the
                // reporter running (and so below it), or it would report again.
                Thread.Sleep(ExitDelay);
                if (_stop.IsCancellationRequested) return;
                DeathWitness.MarkLeaving(_leaderPid, _self.Rank);
                ExitNow(1);
            }
        }
        finally
        {
            foreach (var p in pollFds) if (p.Fd >= 0) CloseFd(p.Fd);
        }
    }

    /// <summary>
    /// Compiles, ahead of need, what the verdict on a death runs: the race with the launcher's SIGKILL is
    /// milliseconds, and the runtime compiles each method at its first call (the tool runs without tiering).
    /// </summary>
    private void WarmUp()
    {
        var dead = new PeerState(PeerCondition.Gone, 9);
        _ = Judge(_self, _size, [(_self with { Rank = _self.Rank + 1 }, dead, TimeSpan.Zero)], TimeSpan.Zero, _timeout)?.Line.Length;
        _ = StateOf(Environment.ProcessId);
        _ = DeathWitness.Watching(_leaderPid);
        _ = StateOfStat("1 (x) Z 0");
        _ = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp());
        Console.Error.Flush();
    }

    /// <summary>The process id of the lowest rank on <paramref name="self"/>'s machine, which starts its witness.</summary>
    internal static int LeaderPid(RankProcess self, IReadOnlyList<RankProcess> ranks) =>
        ranks.Where(r => r.Host == self.Host).MinBy(r => r.Rank).Pid;

    internal const short PollIn = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>pidfd_open(2), through syscall(2): glibc before 2.36 has no wrapper. -1 when the kernel has none.</summary>
    internal static int PidFdOpen(int pid) => (int)Syscall(PidFdOpenNumber, pid, 0);

    /// <summary>
    /// A pidfd that polls readable the moment <paramref name="pid"/>'s first thread ends (PIDFD_THREAD, Linux 6.9),
    /// else one for its whole process. A rank's first thread ends before any peer's copy from its memory can fail,
    /// since its memory goes with it; the process ends only when its last thread has, which under load can come
    /// after that peer has aborted (see <see cref="PeerState.Blame"/>).
    /// </summary>
    internal static int PidFdOpenFirstThread(int pid)
    {
        int fd = (int)Syscall(PidFdOpenNumber, pid, PidFdThread);
        return fd >= 0 ? fd : PidFdOpen(pid);
    }

    /// <summary>pidfd_open's PIDFD_THREAD (O_EXCL).</summary>
    private const uint PidFdThread = 0x80;

    /// <summary>pidfd_open's number on x86-64 and on the architectures of the generic table (arm64).</summary>
    private const long PidFdOpenNumber = 434;

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "poll")]
    private static partial int PollFds([In, Out] PollFd[] fds, nint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "close")]
    internal static partial int CloseFd(int fd);

    /// <summary>The line a verdict prints, and whether this rank prints it (the lowest-numbered rank still running on this machine does).</summary>
    internal readonly record struct Verdict(string Line, bool Reports, bool Death = false);

    /// <summary>
    /// What this rank makes of its neighbours (the other ranks on its machine, each with its state and how long
    /// it has been stopped) and of <paramref name="waited"/> in an exchange: null while the job can go on. A rank
    /// that exited by itself has said why in its own line, so the others then leave silently.
    /// </summary>
    internal static Verdict? Judge(RankProcess self, int size, IReadOnlyList<(RankProcess Peer, PeerState State, TimeSpan Stopped)> neighbours,
        TimeSpan waited, TimeSpan timeout)
    {
        var inv = CultureInfo.InvariantCulture;
        var gone = neighbours.Where(n => n.State.Condition == PeerCondition.Gone).ToList();
        var stopped = neighbours.Where(n => n.State.Condition == PeerCondition.Stopped && n.Stopped >= StopGrace).Select(n => n.Peer).ToList();
        bool lowest = !neighbours.Any(n => n.Peer.Rank < self.Rank && n.State.Condition == PeerCondition.Running);
        string what;
        if (gone.Count > 0)
        {
            if (gone.All(n => n.State.Exited)) return new Verdict("", Reports: false);
            var killed = Blamed(gone.Where(n => !n.State.Exited), n => n.State);
            return new Verdict(DeathLine([.. killed.Select(n => n.Peer)], size, killed.Count == 1 ? killed[0].State.Signal : null), lowest, Death: true);
        }
        else if (stopped.Count > 0) what = string.Create(inv, $"{Describe(stopped, size)} {(stopped.Count == 1 ? "has" : "have")} been stopped (SIGSTOP) for {StopGrace.TotalSeconds:F0} s");
        else if (waited >= timeout)
            what = string.Create(inv, $"rank {self.Rank} of {size} waited {timeout.TotalSeconds:F0} s in an exchange for ranks that did not come (on another machine, or busy elsewhere)");
        else return null;
        return new Verdict($"tailor: {what}; the job is ended.", lowest);
    }

    /// <summary>Those of <paramref name="dead"/> to blame for the job's end: the ones of the highest <see cref="PeerState.Blame"/>.</summary>
    internal static List<T> Blamed<T>(IEnumerable<T> dead, Func<T, PeerState> state)
    {
        var all = dead.ToList();
        int most = all.Count == 0 ? 0 : all.Max(d => state(d).Blame);
        return [.. all.Where(d => state(d).Blame == most)];
    }

    /// <summary>The line that names the dead <paramref name="ranks"/> of a job of <paramref name="size"/>, with the signal when one died and it is known.</summary>
    internal static string DeathLine(IReadOnlyList<RankProcess> ranks, int size, int? signal) =>
        $"tailor: {Describe(ranks, size)} died{(signal is int s ? $" (killed by signal {s}{SignalName(s)})" : "")}; the job is ended.";

    private static string SignalName(int signal) => signal switch { 9 => ", SIGKILL", 15 => ", SIGTERM", 11 => ", SIGSEGV", 6 => ", SIGABRT", 2 => ", SIGINT", _ => "" };

    private static string Describe(IReadOnlyList<RankProcess> ranks, int size) => ranks.Count == 1
        ? $"rank {ranks[0].Rank} of {size} (pid {ranks[0].Pid} on {ranks[0].Host})"
        : $"ranks {string.Join(", ", ranks.Select(r => $"{r.Rank} (pid {r.Pid})"))} of {size} on {ranks[0].Host}";

    /// <summary>A process's state from /proc/PID/stat: the state letter after the command name's closing parenthesis.</summary>
    internal static PeerState StateOf(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return new PeerState(PeerCondition.Gone); }
        catch (UnauthorizedAccessException) { return new PeerState(PeerCondition.Running); }
        return StateOfStat(stat);
    }

    /// <summary>
    /// Reads a /proc/PID/stat line: field 3 is the state; field 52, the exit code, is the wait status of a
    /// zombie (signal in the low 7 bits, exit code in bits 8 to 15).
    /// </summary>
    internal static PeerState StateOfStat(string stat)
    {
        int close = stat.LastIndexOf(')');
        if (close < 0 || close + 2 >= stat.Length) return new PeerState(PeerCondition.Running);
        // Fields from the state on: the state is field 3, so field n is at index n - 3.
        var fields = stat[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // 'T' is a stop by signal; 't' a debugger's stop, which is a person at work, not a hang.
        switch (fields[0])
        {
            case "Z" or "X" or "x":
                int? status = fields.Length > 52 - 3 && int.TryParse(fields[52 - 3], NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s : null;
                return new PeerState(PeerCondition.Gone, status);
            case "T": return new PeerState(PeerCondition.Stopped);
            default: return new PeerState(PeerCondition.Running);
        }
    }

    /// <summary>Ends the process at once: the main thread may be inside MPI, and nothing it holds must be awaited.</summary>
    private static void ExitNow(int code) => NativeExit(code);

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void NativeExit(int code);
}
