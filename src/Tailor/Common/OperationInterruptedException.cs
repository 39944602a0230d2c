namespace Tailor.Common;

/// <summary>
/// Long work stopped on request (a cancelled token: Ctrl-C or SIGTERM in the CLI) at a point where what was
/// finished is kept. The message says what was kept and how to go on from it.
/// </summary>
public class OperationInterruptedException(string message, CancellationToken cancellationToken = default)
    : OperationCanceledException(message, cancellationToken);
