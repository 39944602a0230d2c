using Tailor.Tests.Data;

namespace Tailor.Tests.Cli.Signals;

/// <summary>`tailor study regularization`, `gradients` and `record` stop cleanly on SIGTERM: exit 130 within 10 s, one line naming the run cut short, nothing written.</summary>
[Collection(SignalledCli.Collection)]
public sealed class StudySignalTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("regularization", @"variant [1-5] of 5 \([a-z ]+\); nothing was written\.")]
    [InlineData("gradients", @"network [1-3] of 3 \([A-Za-z +]+\); report\.html was not written\.")]
    public void Sigterm_stops_the_study_in_one_line_naming_the_run_cut_short(string study, string cutShort)
    {
        string data = SignalledCli.WriteData(_temp), output = _temp.File("out");

        // Signalled as its first run starts ("== "). 30 epochs of the --quick sample keep each run a second or
        // more: at 2 epochs a gradients network trained in some 50 ms, and under load the whole study could
        // finish before the signal landed.
        var run = SignalledCli.InterruptOn(_temp.Path, line => line.StartsWith("== ", StringComparison.Ordinal),
            "study", study, "--quick", "--epochs", "30", "--data", data, "--out", output);

        string line = SignalledCli.AssertStoppedCleanly(run);
        Assert.Matches($@"^tailor: error: Interrupted (before|while training) {cutShort} Run the same command again to redo the study\.$", line);
        Assert.False(File.Exists(Path.Combine(output, "report.html")));
    }

    [Fact]
    public void Sigterm_stops_the_record_study_in_one_line_keeping_its_finished_rungs()
    {
        string data = SignalledCli.WriteData(_temp), output = _temp.File("out");

        // 30 epochs keep the first rung (the notebook CNN) a few seconds: long enough to be signalled while it trains.
        var run = SignalledCli.InterruptOn(_temp.Path, line => line.StartsWith("== ", StringComparison.Ordinal),
            "study", "record", "--quick", "--epochs", "30", "--data", data, "--out", output);

        string line = SignalledCli.AssertStoppedCleanly(run);
        Assert.Matches(@"^tailor: error: Interrupted (before|while training) rung [1-7] of 7 \([A-Za-z +()-]+\); [0-6] finished rungs are kept in .+rungs\. Run the same command again to resume from them\.$", line);
        Assert.False(File.Exists(Path.Combine(output, "report.html")));
    }
}
