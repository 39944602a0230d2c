using System.Runtime.InteropServices;

namespace Tailor.Distribution.Mpi;

/// <summary>
/// The few MPI calls data-parallel training needs, over MPICH's ABI (libmpich.so.12; also Intel MPI's and
/// MVAPICH's): handles are ints, with the constants of MPICH's mpi.h. Loaded on the first call only.
/// </summary>
internal static partial class MpiNative
{
    public const string Library = "libmpich.so.12";
    public const int CommWorld = 0x44000000;
    public const int Double = 0x4c00080b;
    public const int ThreadSerialized = 2;
    public const int Success = 0;

    [LibraryImport(Library, EntryPoint = "MPI_Initialized")]
    public static partial int Initialized(out int flag);

    [LibraryImport(Library, EntryPoint = "MPI_Init_thread")]
    public static partial int InitThread(IntPtr argc, IntPtr argv, int required, out int provided);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_rank")]
    public static partial int CommRank(int comm, out int rank);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_size")]
    public static partial int CommSize(int comm, out int size);

    [LibraryImport(Library, EntryPoint = "MPI_Allgather")]
    public static unsafe partial int Allgather(void* send, int sendCount, int sendType, void* receive, int receiveCount, int receiveType, int comm);

    [LibraryImport(Library, EntryPoint = "MPI_Barrier")]
    public static partial int Barrier(int comm);

    [LibraryImport(Library, EntryPoint = "MPI_Abort")]
    public static partial int Abort(int comm, int errorCode);

    [LibraryImport(Library, EntryPoint = "MPI_Finalize")]
    public static partial int FinalizeMpi();
}
