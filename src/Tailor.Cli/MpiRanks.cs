using Tailor.Common;
using Tailor.Distribution.Mpi;

namespace Tailor.Cli;

/// <summary>How a command runs as one rank of an MPI job (mpiexec -n P tailor ...).</summary>
internal static class MpiRanks
{
    /// <summary>The environment variable that sets how long one exchange may wait for the other ranks, in seconds.</summary>
    public const string TimeoutVariable = "TAILOR_MPI_TIMEOUT";

    /// <summary>MPI, when an MPI launcher started this process or <paramref name="asked"/>; else null, and nothing of MPI is loaded.</summary>
    public static MpiTransport? Start(bool asked = false) => asked || MpiTransport.LaunchedByMpi ? MpiTransport.Start(ExchangeTimeout(), ThisProgram()) : null;

    /// <summary>How to start this program again (as the ranks' death witness): the apphost alone, or dotnet and the entry assembly.</summary>
    private static string[]? ThisProgram()
    {
        if (Environment.ProcessPath is not { Length: > 0 } path) return null;
        if (!Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.Ordinal)) return [path];
        return System.Reflection.Assembly.GetEntryAssembly()?.Location is { Length: > 0 } entry ? [path, entry] : null;
    }

    private static TimeSpan? ExchangeTimeout()
    {
        if (Environment.GetEnvironmentVariable(TimeoutVariable) is not { Length: > 0 } text) return null;
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int seconds) || seconds is < 1 or > 86_400)
            throw new UsageException($"{TimeoutVariable} must be a whole number of seconds from 1 to 86400 (how long one exchange may wait for the other ranks), received '{text}'.");
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>
    /// Runs <paramref name="body"/> on this rank. Rank 0 alone prints to stdout, and alone reports an
    /// interruption. A rank whose body fails otherwise prints one line naming its rank and ends the whole job
    /// (MPI_Abort), so that no rank waits for it forever. An interruption is not such a failure when
    /// <paramref name="interruptionIsAgreed"/>: every rank then stops at the same point and meets the others
    /// when MPI is finalized.
    /// </summary>
    public static int Run(MpiTransport? mpi, Func<int> body, bool interruptionIsAgreed)
    {
        if (mpi is not { Size: > 1 }) return body();
        if (mpi.Rank != 0) Console.SetOut(TextWriter.Null);
        try
        {
            int code = body();
            // A signal that came as the work ended is rank 0's to report (CommandRunner would say it on every rank).
            return mpi.Rank != 0 && code == ExitCodes.Ok && SignalCancellation.Signal != null ? ExitCodes.Interrupted : code;
        }
        catch (OperationInterruptedException) when (interruptionIsAgreed && mpi.Rank != 0)
        {
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (!(interruptionIsAgreed && e is OperationInterruptedException))
        {
            Console.Error.WriteLine($"tailor: rank {mpi.Rank} of {mpi.Size}: {ErrorText.Of(e)}");
            mpi.Abort(ExitCodes.Failure);
            throw;
        }
    }
}
