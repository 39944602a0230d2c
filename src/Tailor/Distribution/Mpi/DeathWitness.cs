using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Tailor.Distribution.Mpi;

/// <summary>
/// A small process beside the ranks of one machine that names the rank whose death ended the job. When a rank
/// dies, Hydra's mpiexec SIGKILLs the others within a few milliseconds, so a line from a surviving rank loses that
/// race as often as not. The witness is not a rank: it runs in its own session, out of the launcher's reach, waits
/// on the ranks' pidfds, and writes its line straight to mpiexec's own stderr (the ranks' is a pipe through a proxy
/// that is itself being ended). A rank that leaves on purpose (it finished, reported its own error, or ends the
/// job after its watchdog's verdict) first leaves a mark; the witness speaks only when the first rank to go left
/// none, and then leaves as soon as that first rank is gone. A rank that aborts because a peer's memory vanished
/// under its copy is that death's echo, and may end first: the witness blames the cause (<see cref="PeerState.Blame"/>).
/// </summary>
/// <remarks>
/// The witness is the entry program itself started again with <see cref="Argument"/> first: the program's Main
/// hands such a start to <see cref="Run"/> before anything else. Only a program that does so asks for one
/// (<see cref="MpiTransport.Start(TimeSpan?, IReadOnlyList{string}?)"/>).
/// </remarks>
internal static partial class DeathWitness
{
    /// <summary>The first argument of a witness's command line.</summary>
    public const string Argument = "--tailor-mpi-death-witness";

    /// <summary>The name of the mark that says the witness is watching, in its folder.</summary>
    private const string WatchingMark = "watching";

    /// <summary>Where the ranks of a machine whose lowest rank has process id <paramref name="leaderPid"/> leave their marks.</summary>
    public static string Folder(int leaderPid) => Path.Combine(Path.GetTempPath(), $"tailor-mpi-{leaderPid.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Whether a witness watches the ranks of the machine whose lowest rank is <paramref name="leaderPid"/>.</summary>
    public static bool Watching(int leaderPid) => File.Exists(Path.Combine(Folder(leaderPid), WatchingMark));

    /// <summary>Leaves the mark that says rank <paramref name="rank"/> is leaving on purpose; nothing when no witness watches.</summary>
    public static void MarkLeaving(int leaderPid, int rank)
    {
        try { File.WriteAllBytes(Path.Combine(Folder(leaderPid), MarkName(rank)), []); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string MarkName(int rank) => $"rank-{rank.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Starts the witness of <paramref name="local"/> (the ranks on this machine, the lowest first, which is this
    /// process) with <paramref name="command"/>, the program and its leading arguments. False when it cannot start:
    /// the ranks' own watchdogs then speak for the dead.
    /// </summary>
    public static bool Launch(IReadOnlyList<string> command, IReadOnlyList<RankProcess> local, int size)
    {
        string folder = Folder(local[0].Pid);
        try
        {
            Directory.CreateDirectory(folder);
            var start = new ProcessStartInfo(command[0]) { UseShellExecute = false };
            foreach (var argument in command.Skip(1)) start.ArgumentList.Add(argument);
            start.ArgumentList.Add(Argument);
            start.ArgumentList.Add(size.ToString(CultureInfo.InvariantCulture));
            start.ArgumentList.Add(folder);
            foreach (var rank in local) start.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"{rank.Rank}:{rank.Pid}@{rank.Host}"));
            using var process = Process.Start(start);
            return process != null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// The witness's whole life, given its arguments after <see cref="Argument"/>: the job's size, the marks' folder
    /// and the ranks as RANK:PID@HOST. Returns the process's exit code.
    /// </summary>
    public static int Run(IReadOnlyList<string> arguments)
    {
        if (arguments.Count < 3 || !int.TryParse(arguments[0], CultureInfo.InvariantCulture, out int size)) return 2;
        string folder = arguments[1];
        var ranks = new List<RankProcess>();
        foreach (var text in arguments.Skip(2))
        {
            int colon = text.IndexOf(':'), at = text.IndexOf('@');
            if (colon < 0 || at < colon
                || !int.TryParse(text.AsSpan(0, colon), CultureInfo.InvariantCulture, out int rank)
                || !int.TryParse(text.AsSpan(colon + 1, at - colon - 1), CultureInfo.InvariantCulture, out int pid)) return 2;
            ranks.Add(new RankProcess(rank, text[(at + 1)..], pid));
        }
        // Out of the launcher's process group and session: its cleanup may signal the group of what it started.
        _ = SetSid();
        var fds = Enumerable.Repeat(new PollFd { Fd = -1 }, ranks.Count).ToArray();
        var held = new List<int>[ranks.Count];
        try
        {
            for (int i = 0; i < fds.Length; i++)
            {
                fds[i] = new PollFd { Fd = PeerWatchdog.PidFdOpenFirstThread(ranks[i].Pid), Events = PeerWatchdog.PollIn };
                // Without pidfds (Linux before 5.3) nothing here can tell the first death: the ranks' watchdogs speak.
                if (fds[i].Fd < 0) return 0;
            }
            bool holding = HoldLauncherView(ranks, fds, held);
            int report = holding ? -1 : OpenLauncherStderr(ranks[0].Pid);
            // Hold neither the ranks' output pipes (their launcher waits for them to close) nor the terminal's input.
            if (report >= 0) DetachStandardStreams();
            File.WriteAllBytes(Path.Combine(folder, WatchingMark), []);
            var dead = new Dictionary<int, (PeerState State, int Wave)>();
            while (true)
            {
                if (PollFds(fds, fds.Length, -1) < 0 && Marshal.GetLastPInvokeError() != InterruptedCall) return 1;
                if (!LookForDead(ranks, fds, dead, wave: 0)) continue;
                // The first to go left a mark: the job ends on purpose, and whoever ended it has said why.
                if (dead.Keys.Any(i => Marked(folder, ranks[i]))) return 0;
                // An abort may echo a death still under way (a rank of many threads takes a while to end under load,
                // and its peer's copy fails the moment its memory is gone): give such a cause a moment to show.
                var settle = Stopwatch.StartNew();
                for (int wave = 1; dead.Values.Max(d => d.State.Blame) < 2 && settle.Elapsed < EchoWait; wave++)
                {
                    _ = PollFds(fds, fds.Length, 10);
                    Reread(ranks, dead);
                    LookForDead(ranks, fds, dead, wave);
                }
                var named = FirstCauses(dead.Where(d => !Marked(folder, ranks[d.Key])), d => d.Value.State, d => d.Value.Wave)
                    .OrderBy(d => ranks[d.Key].Rank).ToList();
                string line = PeerWatchdog.DeathLine([.. named.Select(d => ranks[d.Key])], size, named.Count == 1 ? named[0].Value.State.Signal : null) + "\n";
                // Through the dead rank's own stderr, which its launcher still reads: it is waiting for this witness.
                Write(holding ? held[named[0].Key][StderrSlot] : report, line);
                return 0;
            }
        }
        finally
        {
            // Letting go of the dead rank's pipes and PMI socket is what lets the launcher end the job.
            foreach (var list in held) if (list != null) foreach (int fd in list) PeerWatchdog.CloseFd(fd);
            foreach (var fd in fds) if (fd.Fd >= 0) PeerWatchdog.CloseFd(fd.Fd);
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// The deaths to name: the first to show of those that may be the cause (<see cref="PeerState.Blame"/> 1 or 2),
    /// the surest of them where several showed at once; only where every death is an echo (an abort or an exit),
    /// the surest and first of those. A rank first seen when its first thread ended, before its process was a
    /// zombie, has an unknown end (1): the launcher's SIGKILLs to the other ranks, which come after it, must not
    /// outrank it for being known.
    /// </summary>
    internal static List<T> FirstCauses<T>(IEnumerable<T> dead, Func<T, PeerState> state, Func<T, int> wave)
    {
        var all = dead.ToList();
        var causes = all.Where(d => state(d).Blame >= 1).ToList();
        var pool = causes.Count > 0 ? causes : all;
        if (pool.Count == 0) return [];
        int first = pool.Min(wave);
        return PeerWatchdog.Blamed(pool.Where(d => wave(d) == first), state);
    }

    /// <summary>Reads again the state of each dead rank whose end was not yet known: it may be a zombie now, with its wait status.</summary>
    private static void Reread(IReadOnlyList<RankProcess> ranks, Dictionary<int, (PeerState State, int Wave)> dead)
    {
        foreach (var (i, (state, wave)) in dead.ToList())
        {
            if (state.WaitStatus != null) continue;
            var now = PeerWatchdog.StateOf(ranks[i].Pid);
            if (now.Condition == PeerCondition.Gone && now.WaitStatus != null) dead[i] = (now, wave);
        }
    }

    /// <summary>How long an end that may be an echo (<see cref="PeerState.Blame"/> below 2) waits for its cause to show.</summary>
    private static readonly TimeSpan EchoWait = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Adds to <paramref name="dead"/>, with <paramref name="wave"/>, the ranks newly ended: a pidfd that polled
    /// readable, or a process whose first thread is a zombie while others still end. True when any was added.
    /// </summary>
    private static bool LookForDead(IReadOnlyList<RankProcess> ranks, PollFd[] fds, Dictionary<int, (PeerState State, int Wave)> dead, int wave)
    {
        bool added = false;
        for (int i = 0; i < fds.Length; i++)
        {
            if (dead.ContainsKey(i)) continue;
            var state = PeerWatchdog.StateOf(ranks[i].Pid);
            bool ended = (fds[i].ReturnedEvents & PeerWatchdog.PollIn) != 0;
            if (!ended && state.Condition != PeerCondition.Gone) continue;
            dead[i] = (state.Condition == PeerCondition.Gone ? state : new PeerState(PeerCondition.Gone), wave);
            added = true;
        }
        return added;
    }

    private static bool Marked(string folder, RankProcess rank) => File.Exists(Path.Combine(folder, MarkName(rank.Rank)));

    /// <summary>Where a rank's stderr is among the descriptors held for it.</summary>
    private const int StderrSlot = 1;

    /// <summary>
    /// Takes copies (pidfd_getfd, Linux 5.6) of what the launcher watches of each rank: its stdout, stderr and PMI
    /// socket (PMI_FD). A Hydra proxy ends every rank at once when one of these closes; while the witness holds
    /// them, a rank's death closes none, so the witness sees it alone, speaks, and only then lets the launcher
    /// know. False, holding nothing, where that is not allowed (ptrace rules) or the launcher is not PMI's.
    /// </summary>
    private static bool HoldLauncherView(IReadOnlyList<RankProcess> ranks, PollFd[] pidFds, List<int>[] held)
    {
        for (int i = 0; i < ranks.Count; i++)
        {
            held[i] = [];
            int? pmi = PmiFd(ranks[i].Pid);
            foreach (int target in pmi is int p ? new[] { 1, 2, p } : [1, 2])
            {
                int copy = (int)GetFd(PidFdGetFdNumber, pidFds[i].Fd, target, 0);
                if (copy < 0)
                {
                    foreach (var list in held) if (list != null) { foreach (int fd in list) PeerWatchdog.CloseFd(fd); list.Clear(); }
                    return false;
                }
                held[i].Add(copy);
            }
            if (pmi == null) { foreach (var list in held) if (list != null) { foreach (int fd in list) PeerWatchdog.CloseFd(fd); list.Clear(); } return false; }
        }
        return true;
    }

    /// <summary>The PMI socket's descriptor number in a rank's environment (PMI_FD), or null.</summary>
    private static int? PmiFd(int pid)
    {
        try
        {
            foreach (var entry in File.ReadAllText($"/proc/{pid}/environ").Split('\0'))
                if (entry.StartsWith("PMI_FD=", StringComparison.Ordinal) && int.TryParse(entry.AsSpan(7), CultureInfo.InvariantCulture, out int fd)) return fd;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>pidfd_getfd's number on x86-64 and on the architectures of the generic table (arm64).</summary>
    private const long PidFdGetFdNumber = 438;

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long GetFd(long number, int pidFd, int targetFd, uint flags);

    /// <summary>
    /// mpiexec's stderr, opened anew for appending, when the ranks' launcher is Hydra on this machine (the rank's
    /// parent is its proxy, the proxy's parent mpiexec); else -1, and the witness writes to its own stderr.
    /// </summary>
    private static int OpenLauncherStderr(int rankPid)
    {
        int proxy = ParentOf(rankPid);
        int launcher = proxy > 1 ? ParentOf(proxy) : -1;
        if (launcher <= 1) return -1;
        string name;
        try { name = File.ReadAllText($"/proc/{launcher}/comm").Trim(); }
        catch (IOException) { return -1; }
        if (!name.StartsWith("mpiexec", StringComparison.Ordinal)) return -1;
        return Open($"/proc/{launcher}/fd/2", WriteOnly | Append | CloseOnExec);
    }

    /// <summary>The parent's process id from /proc/PID/stat (field 4), or -1.</summary>
    private static int ParentOf(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (IOException) { return -1; }
        int close = stat.LastIndexOf(')');
        var fields = stat[(close + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], CultureInfo.InvariantCulture, out int parent) ? parent : -1;
    }

    private static void DetachStandardStreams()
    {
        int none = Open("/dev/null", ReadWrite);
        if (none < 0) return;
        for (int fd = 0; fd <= 2; fd++) _ = Dup2(none, fd);
        if (none > 2) PeerWatchdog.CloseFd(none);
    }

    private static void Write(int fd, string line)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(line);
        if (fd < 0)
        {
            Console.Error.Write(line);
            Console.Error.Flush();
            return;
        }
        _ = WriteFd(fd, bytes, bytes.Length);
    }

    private const int ReadWrite = 2, WriteOnly = 1, Append = 0x400, CloseOnExec = 0x80000, InterruptedCall = 4;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    [LibraryImport("libc", EntryPoint = "setsid")]
    private static partial int SetSid();

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dup2")]
    private static partial int Dup2(int from, int to);

    [LibraryImport("libc", EntryPoint = "write")]
    private static partial nint WriteFd(int fd, byte[] bytes, nint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int PollFds([In, Out] PollFd[] fds, nint count, int timeoutMilliseconds);
}
