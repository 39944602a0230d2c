using Tailor.Tests.Data;

namespace Tailor.Tests.Cli.Signals;

/// <summary>
/// What the moments of one signalled command share: the data, the command's uninterrupted run into
/// <see cref="Out"/> and how long it worked. A subclass gives the command's arguments and calls
/// <see cref="RunReference"/> once its own inputs are written.
/// </summary>
public abstract class SignalReference : IDisposable
{
    protected SignalReference() => Data = SignalledCli.WriteData(Temp);

    private protected TempDirectory Temp { get; } = new();

    public string Data { get; }
    public string Out => Temp.File("reference");
    public TimeSpan Working { get; private set; }

    /// <summary>The command line that writes into <paramref name="output"/>.</summary>
    public abstract string[] Args(string output);

    protected void RunReference()
    {
        var run = SignalledCli.Complete(Temp.Path, Args(Out));
        Assert.True(run.ExitCode == 0, run.ToString());
        Working = run.Working;
    }

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
