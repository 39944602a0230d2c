namespace Tailor.Cli;

internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The work failed: unreadable data, a file that could not be written, training that diverged.</summary>
    public const int Failure = 1;
    /// <summary>The command line was wrong: an unknown name, a value out of range.</summary>
    public const int Usage = 2;
    /// <summary>Stopped by Ctrl-C or SIGTERM.</summary>
    public const int Interrupted = 130;
}
