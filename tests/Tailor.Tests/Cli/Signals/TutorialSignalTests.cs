using Tailor.Tests.Data;

namespace Tailor.Tests.Cli.Signals;

/// <summary>
/// `tailor tutorial` stopped by SIGTERM at ten seeded moments: exit 130 within 10 s and one line each time;
/// the same command run again on the folder the ten runs left ends with the files of an uninterrupted one.
/// The tutorial keeps no partial state, so the re-run is a fresh run: one after all ten moments shows that
/// nothing they left behind changes it, at a tenth of the cost of one re-run per moment.
/// </summary>
[Collection(SignalledCli.Collection)]
public sealed class TutorialSignalTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    // Two hundred training images and the shortest epochs: every section in a few seconds.
    private static string[] Args(string data, string output) =>
        ["tutorial", "--data", data, "--quick", "--train-images", "200", "--test-images", "50", "--out", output];

    [Fact]
    public void Sigterm_at_ten_moments_stops_cleanly_and_a_rerun_ends_with_the_uninterrupted_files()
    {
        string data = SignalledCli.WriteData(_temp);
        string reference = _temp.File("reference"), output = _temp.File("out");
        var complete = SignalledCli.Complete(_temp.Path, Args(data, reference));
        Assert.True(complete.ExitCode == 0, complete.ToString());

        foreach (int thousandths in SignalledCli.Moments().Select(m => (int)m[0]))
        {
            var run = SignalledCli.InterruptAt(_temp.Path, thousandths, complete.Working, () => File.Delete(Path.Combine(output, "report.html")), Args(data, output));
            string line = SignalledCli.AssertStoppedCleanly(run);
            if (!line.Contains("it completed and wrote all its outputs"))
            {
                Assert.Matches(@"^tailor: error: Interrupted (before|while training) .+; report\.html was not written\. Run the same command again to redo the tutorial\.$", line);
                Assert.False(File.Exists(Path.Combine(output, "report.html")), $"report.html after: {line}");
            }
            else File.Delete(Path.Combine(output, "report.html")); // the next moment's check starts without it
        }

        var rerun = SignalledCli.Complete(_temp.Path, Args(data, output));

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        var want = SignalledCli.Files(reference);
        var got = SignalledCli.Files(output);
        Assert.Equal(want.Keys, got.Keys);
        foreach (var (name, bytes) in want.Where(f => f.Key.EndsWith(".png", StringComparison.Ordinal)))
            Assert.True(bytes.AsSpan().SequenceEqual(got[name]), $"{name} differs from the uninterrupted run");
        Assert.Equal(SignalledCli.WithoutSeconds(File.ReadAllText(Path.Combine(reference, "report.html"))),
            SignalledCli.WithoutSeconds(File.ReadAllText(Path.Combine(output, "report.html"))));
    }
}
