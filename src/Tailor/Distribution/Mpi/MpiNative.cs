using System.Runtime.InteropServices;

namespace Tailor.Distribution.Mpi;

/// <summary>
/// The few MPI calls data-parallel training and the studies' unit scheduling need, over MPICH's ABI
/// (libmpich.so.12; also Intel MPI's and MVAPICH's): handles are ints, with the constants of MPICH's mpi.h
/// (/usr/include/x86_64-linux-gnu/mpich/mpi.h). Loaded on the first call only.
/// </summary>
internal static partial class MpiNative
{
    public const string Library = "libmpich.so.12";
    public const int CommWorld = 0x44000000;
    public const int Double = 0x4c00080b;
    public const int Byte = 0x4c00010d;
    public const int AnySource = -2;
    public const int AnyTag = -1;
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

    [LibraryImport(Library, EntryPoint = "MPI_Send")]
    public static unsafe partial int Send(void* buffer, int count, int type, int destination, int tag, int comm);

    [LibraryImport(Library, EntryPoint = "MPI_Recv")]
    public static unsafe partial int Recv(void* buffer, int count, int type, int source, int tag, int comm, out Status status);

    [LibraryImport(Library, EntryPoint = "MPI_Iprobe")]
    public static partial int Iprobe(int source, int tag, int comm, out int flag, out Status status);

    [LibraryImport(Library, EntryPoint = "MPI_Get_count")]
    public static partial int GetCount(in Status status, int type, out int count);

    [LibraryImport(Library, EntryPoint = "MPI_Ibarrier")]
    public static partial int Ibarrier(int comm, out int request);

    [LibraryImport(Library, EntryPoint = "MPI_Test")]
    public static partial int Test(ref int request, out int flag, out Status status);

    [LibraryImport(Library, EntryPoint = "MPI_Barrier")]
    public static partial int Barrier(int comm);

    [LibraryImport(Library, EntryPoint = "MPI_Abort")]
    public static partial int Abort(int comm, int errorCode);

    [LibraryImport(Library, EntryPoint = "MPI_Finalize")]
    public static partial int FinalizeMpi();

    /// <summary>MPICH's MPI_Status: five ints, the public fields third to fifth.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Status
    {
        public int CountLow;
        public int CountHighAndCancelled;
        public int Source;
        public int Tag;
        public int Error;
    }
}
