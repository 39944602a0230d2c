using Tailor.Common;
using Tailor.Distribution.Mpi;

namespace Tailor.Cli;

/// <summary>How a command runs as one rank of an MPI job (mpiexec -n P tailor ...).</summary>
internal static class MpiRanks
{
    /// <summary>MPI, when an MPI launcher started this process or <paramref name="asked"/>; else null, and nothing of MPI is loaded.</summary>
    public static MpiTransport? Start(bool asked = false) => asked || MpiTransport.LaunchedByMpi ? MpiTransport.Start() : null;

    /// <summary>
    /// Runs <paramref name="body"/> on this rank. Rank 0 alone prints to stdout. A rank whose body fails prints
    /// one line naming its rank and ends the whole job (MPI_Abort), so that no rank waits for it forever.
    /// An interruption is not such a failure when <paramref name="interruptionIsAgreed"/>: every rank then stops
    /// at the same point and meets the others when MPI is finalized.
    /// </summary>
    public static int Run(MpiTransport? mpi, Func<int> body, bool interruptionIsAgreed)
    {
        if (mpi is not { Size: > 1 }) return body();
        if (mpi.Rank != 0) Console.SetOut(TextWriter.Null);
        try { return body(); }
        catch (Exception e) when (!(interruptionIsAgreed && e is OperationInterruptedException))
        {
            Console.Error.WriteLine($"tailor: rank {mpi.Rank} of {mpi.Size}: {ErrorText.Of(e)}");
            mpi.Abort(ExitCodes.Failure);
            throw;
        }
    }
}
