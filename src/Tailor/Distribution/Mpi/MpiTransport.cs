using System.Runtime.InteropServices;
using Tailor.Models.Training;

namespace Tailor.Distribution.Mpi;

/// <summary>
/// The ranks of an MPI job as the workers of a <see cref="ShardedGradient"/>: rank r computes shards s with
/// s % size == r and MPI_Allgather gives every rank every shard's partial sums, so all ranks combine the same
/// numbers in shard order and hold the same weights. Binds MPICH's ABI (libmpich.so.12), loaded only when
/// <see cref="Start"/> is called; nothing of MPI is touched otherwise.
/// </summary>
public sealed class MpiTransport : ShardTransport, IDisposable
{
    private static MpiTransport? s_started;
    private bool _finalized;

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
    /// no MPI library loads (libmpich.so.12, libmpi.so.12, or the one TAILOR_MPI_LIBRARY names).
    /// </summary>
    public static MpiTransport Start()
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
        return s_started = new MpiTransport(rank, size);
    }

    /// <inheritdoc/>
    public override unsafe void AllGather(ReadOnlySpan<double> mine, Span<double> all)
    {
        if (all.Length != (long)mine.Length * Size)
            throw new ArgumentException($"AllGather of {mine.Length} values from {Size} ranks needs {(long)mine.Length * Size} places, received {all.Length}.", nameof(all));
        fixed (double* send = mine)
        fixed (double* receive = all)
            Check(MpiNative.Allgather(send, mine.Length, MpiNative.Double, receive, mine.Length, MpiNative.Double, MpiNative.CommWorld), "MPI_Allgather");
    }

    /// <summary>Waits until every rank has reached this call.</summary>
    public void Barrier() => Check(MpiNative.Barrier(MpiNative.CommWorld), "MPI_Barrier");

    /// <summary>Ends every rank of the job with <paramref name="exitCode"/> (after an error on this one, so that no rank waits forever).</summary>
    public void Abort(int exitCode) => MpiNative.Abort(MpiNative.CommWorld, exitCode);

    /// <summary>Finalizes MPI: the last MPI call of the process.</summary>
    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        MpiNative.FinalizeMpi();
    }

    private static void Check(int code, string call)
    {
        if (code != MpiNative.Success) throw new InvalidOperationException($"{call} failed with MPI error code {code}.");
    }
}
