using System.Runtime.InteropServices;

namespace Tailor.Cli;

/// <summary>
/// The process's one handler of Ctrl-C (SIGINT) and SIGTERM, registered before any command runs. A command
/// with work worth keeping calls <see cref="Observe"/> and passes the token on; the first signal then
/// cancels it: the model in training stops after its current batch (through
/// <see cref="Callbacks.InterruptOnCancellation"/>), and the command keeps what it has finished, says so in
/// one line and exits with <see cref="ExitCodes.Interrupted"/>. A command that observes nothing (a
/// benchmark, an evaluation) ends at once with one line and the same exit code. A second signal ends the
/// process at once, as if there were no handler.
/// </summary>
internal static class SignalCancellation
{
    private static readonly CancellationTokenSource Source = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int _received, _observed;
    private static PosixSignal _signal;

    /// <summary>
    /// The token the first signal cancels; from this call on, a signal no longer ends the process but asks the
    /// command to stop at its next check. Call it before the long work starts.
    /// </summary>
    public static CancellationToken Observe()
    {
        Volatile.Write(ref _observed, 1);
        return Source.Token;
    }

    /// <summary>The first signal received, or null.</summary>
    public static PosixSignal? Signal => Volatile.Read(ref _received) == 0 ? null : _signal;

    /// <summary>Starts handling SIGINT and SIGTERM for the rest of the process's life.</summary>
    public static void Register()
    {
        if (Registrations.Count > 0) return;
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle));
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle));
    }

    private static void Handle(PosixSignalContext context)
    {
        // The second signal is left to the runtime's default action, which ends the process.
        if (Volatile.Read(ref _received) != 0) return;
        context.Cancel = true;
        _signal = context.Signal;
        Volatile.Write(ref _received, 1);
        if (Volatile.Read(ref _observed) == 0)
        {
            // Nothing here would be kept by stopping later: stop now.
            Console.Out.Flush();
            Console.Error.WriteLine($"tailor: error: Interrupted by {context.Signal}; this command keeps no partial work, so it stopped at once.");
            Environment.Exit(ExitCodes.Interrupted);
        }
        // On stdout: stderr keeps its one line for the outcome.
        Console.Out.WriteLine($"tailor: {context.Signal} received: stopping after the current step; a second signal ends at once.");
        Source.Cancel();
    }
}
