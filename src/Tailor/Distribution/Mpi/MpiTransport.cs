using System.Runtime.InteropServices;
using Tailor.Models.Training;

namespace Tailor.Distribution.Mpi;

/// <summary>
/// The ranks of an MPI job as the workers of a <see cref="ShardedGradient"/>: rank r computes shards s with
/// s % size == r and MPI_Allgather gives every rank every shard's partial sums, so all ranks combine the same
/// numbers in shard order and hold the same weights. Binds MPICH's ABI (libmpich.so.12), loaded only when
/// <see cref="Start(TimeSpan?)"/> is called; nothing of MPI is touched otherwise.
/// </summary>
public sealed class MpiTransport : ShardTransport, IDisposable
{
    private static MpiTransport? s_started;
    private bool _finalized;
    private PeerWatchdog? _watchdog;
    private int _leaderPid;

    /// <summary>How long one exchange may wait for the other ranks before the job is ended, by default.</summary>
    public static readonly TimeSpan DefaultExchangeTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The length of a host name as the ranks tell it to each other.</summary>
    private const int HostBytes = 64;

    private MpiTransport(int rank, int size) => (Rank, Size) = (rank, size);

    /// <inheritdoc/>
    public override int Rank { get; }

    /// <inheritdoc/>
    public override int Size { get; }

    /// <summary>
    /// Whether an MPI launcher started this process: MPICH's Hydra (PMI_RANK, PMI_SIZE), PMIx (PMIX_RANK) or
    /// Open MPI (OMPI_COMM_WORLD_RANK). Reads the environment only.
    /// </summary>
    public static bool LaunchedByMpi =>
        Environment.GetEnvironmentVariable("PMI_RANK") != null || Environment.GetEnvironmentVariable("PMI_SIZE") != null ||
        Environment.GetEnvironmentVariable("PMIX_RANK") != null || Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") != null;

    /// <summary>
    /// Whether Slurm's srun started this process as one of several tasks without an MPI plugin (no PMI in the
    /// environment): each task would train alone and all would write. Reads the environment only.
    /// </summary>
    public static bool SlurmTasksWithoutMpi =>
        !LaunchedByMpi && Environment.GetEnvironmentVariable("SLURM_PROCID") != null
        && int.TryParse(Environment.GetEnvironmentVariable("SLURM_NTASKS"), out int tasks) && tasks > 1;

    /// <summary>
    /// Initializes MPI (once per process) and returns this process's rank among the job's. Throws a
    /// NotSupportedException of one line when the process runs under Open MPI (whose ABI is not MPICH's) or when
    /// no MPI library loads (libmpich.so.12, libmpi.so.12, or the one TAILOR_MPI_LIBRARY names). On two ranks or
    /// more, a watchdog ends the job, with one line naming the rank, when a rank on this machine dies or is stopped,
    /// or when one exchange waits longer than <paramref name="exchangeTimeout"/> (default
    /// <see cref="DefaultExchangeTimeout"/>), rather than let it wait forever.
    /// </summary>
    public static MpiTransport Start(TimeSpan? exchangeTimeout = null) => Start(exchangeTimeout, witnessCommand: null);

    /// <summary>
    /// As <see cref="Start(TimeSpan?)"/>; with <paramref name="witnessCommand"/> (this program and its leading
    /// arguments, whose Main hands <see cref="DeathWitness.Argument"/> to <see cref="DeathWitness.Run"/>), the lowest
    /// rank on each machine also starts a <see cref="DeathWitness"/>, which names a rank that dies even when the
    /// launcher ends the others at once.
    /// </summary>
    internal static MpiTransport Start(TimeSpan? exchangeTimeout, IReadOnlyList<string>? witnessCommand)
    {
        if (s_started != null) return s_started;
        if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") != null)
            throw new NotSupportedException("This process was started by Open MPI's mpiexec; tailor supports only MPICH-ABI MPIs (MPICH, Intel MPI, MVAPICH). Run it with MPICH's mpiexec (apt-get install mpich).");
        MpiLibrary.Load();
        Check(MpiNative.Initialized(out int initialized), "MPI_Initialized");
        if (initialized == 0)
        {
            Check(MpiNative.InitThread(IntPtr.Zero, IntPtr.Zero, MpiNative.ThreadSerialized, out int provided), "MPI_Init_thread");
            if (provided < MpiNative.ThreadSerialized)
                throw new NotSupportedException($"MPI provides thread level {provided}; tailor needs MPI_THREAD_SERIALIZED ({MpiNative.ThreadSerialized}).");
        }
        Check(MpiNative.CommRank(MpiNative.CommWorld, out int rank), "MPI_Comm_rank");
        Check(MpiNative.CommSize(MpiNative.CommWorld, out int size), "MPI_Comm_size");
        var transport = new MpiTransport(rank, size);
        if (size > 1)
        {
            var ranks = transport.GatherProcesses();
            var local = ranks.Where(r => r.Host == ranks[rank].Host).ToList();
            transport._leaderPid = local[0].Pid;
            if (witnessCommand != null && local.Count > 1 && local[0].Rank == rank) DeathWitness.Launch(witnessCommand, local, size);
            transport._watchdog = new PeerWatchdog(ranks[rank], ranks, exchangeTimeout ?? DefaultExchangeTimeout);
            // An exit through Environment.Exit or the end of Main is on purpose too.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => transport.MarkLeaving();
        }
        return s_started = transport;
    }

    /// <summary>Every rank's machine and process id, from one MPI_Allgather of bytes.</summary>
    private unsafe RankProcess[] GatherProcesses()
    {
        const int length = HostBytes + sizeof(int);
        var mine = new byte[length];
        var host = System.Text.Encoding.UTF8.GetBytes(Environment.MachineName);
        host.AsSpan(0, Math.Min(host.Length, HostBytes)).CopyTo(mine);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(mine.AsSpan(HostBytes), Environment.ProcessId);
        var all = new byte[length * Size];
        fixed (byte* send = mine)
        fixed (byte* receive = all)
            Check(MpiNative.Allgather(send, length, MpiNative.Byte, receive, length, MpiNative.Byte, MpiNative.CommWorld), "MPI_Allgather");
        var ranks = new RankProcess[Size];
        for (int r = 0; r < Size; r++)
        {
            var block = all.AsSpan(r * length, length);
            ranks[r] = new RankProcess(r, System.Text.Encoding.UTF8.GetString(block[..HostBytes]).TrimEnd('\0'),
                System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(block[HostBytes..]));
        }
        return ranks;
    }

    /// <inheritdoc/>
    public override unsafe void AllGather(ReadOnlySpan<double> mine, Span<double> all)
    {
        if (all.Length != (long)mine.Length * Size)
            throw new ArgumentException($"AllGather of {mine.Length} values from {Size} ranks needs {(long)mine.Length * Size} places, received {all.Length}.", nameof(all));
        _watchdog?.EnterExchange();
        try
        {
            fixed (double* send = mine)
            fixed (double* receive = all)
                Check(MpiNative.Allgather(send, mine.Length, MpiNative.Double, receive, mine.Length, MpiNative.Double, MpiNative.CommWorld), "MPI_Allgather");
        }
        finally { _watchdog?.LeaveExchange(); }
    }

    /// <summary>Waits until every rank has reached this call.</summary>
    public void Barrier() => Check(MpiNative.Barrier(MpiNative.CommWorld), "MPI_Barrier");

    /// <summary>
    /// Waits until every rank has reached this call, sleeping between checks: MPICH's blocking calls poll
    /// without pause, and a rank that waits long (for rank 0 to finish a study's last unit) would take a core
    /// from the ranks still working.
    /// </summary>
    internal void BarrierAsleep()
    {
        Check(MpiNative.Ibarrier(MpiNative.CommWorld, out int request), "MPI_Ibarrier");
        for (int pause = 1; ; pause = Math.Min(2 * pause, MaxPauseMilliseconds))
        {
            Check(MpiNative.Test(ref request, out int done, out _), "MPI_Test");
            if (done != 0) return;
            Thread.Sleep(pause);
        }
    }

    /// <summary>Sends <paramref name="message"/> (bytes) to rank <paramref name="destination"/> with <paramref name="tag"/>.</summary>
    internal unsafe void Send(int destination, int tag, ReadOnlySpan<byte> message)
    {
        fixed (byte* send = message)
            Check(MpiNative.Send(send, message.Length, MpiNative.Byte, destination, tag, MpiNative.CommWorld), "MPI_Send");
    }

    /// <summary>The next message sent to this rank from <paramref name="source"/> (or any rank: <see cref="MpiNative.AnySource"/>), or null when none has arrived.</summary>
    internal unsafe (int Source, int Tag, byte[] Message)? TryReceive(int source = MpiNative.AnySource)
    {
        Check(MpiNative.Iprobe(source, MpiNative.AnyTag, MpiNative.CommWorld, out int arrived, out var status), "MPI_Iprobe");
        if (arrived == 0) return null;
        Check(MpiNative.GetCount(status, MpiNative.Byte, out int length), "MPI_Get_count");
        var message = new byte[length];
        fixed (byte* receive = message)
            Check(MpiNative.Recv(receive, length, MpiNative.Byte, status.Source, status.Tag, MpiNative.CommWorld, out _), "MPI_Recv");
        return (status.Source, status.Tag, message);
    }

    /// <summary>The next message sent to this rank from <paramref name="source"/>, waited for with short sleeps (see <see cref="BarrierAsleep"/>).</summary>
    internal (int Source, int Tag, byte[] Message) Receive(int source = MpiNative.AnySource)
    {
        for (int pause = 1; ; pause = Math.Min(2 * pause, MaxPauseMilliseconds))
        {
            if (TryReceive(source) is { } message) return message;
            Thread.Sleep(pause);
        }
    }

    /// <summary>The longest sleep between two checks of a wait: short beside a study's unit or a training step.</summary>
    internal const int MaxPauseMilliseconds = 16;

    /// <summary>Ends every rank of the job with <paramref name="exitCode"/> (after an error on this one, so that no rank waits forever).</summary>
    public void Abort(int exitCode)
    {
        MarkLeaving();
        MpiNative.Abort(MpiNative.CommWorld, exitCode);
    }

    /// <summary>Tells this machine's witness, if one watches, that this rank's exit is on purpose and no death to report.</summary>
    private void MarkLeaving()
    {
        if (_leaderPid != 0) DeathWitness.MarkLeaving(_leaderPid, Rank);
    }

    /// <summary>Finalizes MPI, the last MPI call of the process, once every rank has come to it (waiting asleep: <see cref="BarrierAsleep"/>).</summary>
    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        MarkLeaving();
        BarrierAsleep();
        // From here ranks may exit, which is no failure: every watchdog stops before any rank passes the second barrier.
        _watchdog?.Dispose();
        Barrier();
        MpiNative.FinalizeMpi();
    }

    private static void Check(int code, string call)
    {
        if (code != MpiNative.Success) throw new InvalidOperationException($"{call} failed with MPI error code {code}.");
    }
}
