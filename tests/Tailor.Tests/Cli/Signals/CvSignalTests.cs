using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tailor.Tests.Data;

namespace Tailor.Tests.Cli.Signals;

/// <summary>
/// `tailor cv` stopped by SIGTERM at ten seeded moments: exit 130 within 10 s and one line saying how many
/// folds are kept; the same command run again loads those folds instead of training them and ends with the
/// results of an uninterrupted cross-validation.
/// </summary>
[Collection(SignalledCli.Collection)]
public sealed class CvSignalTests(CvSignalTests.Reference reference) : IClassFixture<CvSignalTests.Reference>
{
    private const int Folds = 3;

    /// <summary>The data and the uninterrupted cross-validation, shared by the moments.</summary>
    public sealed class Reference : SignalReference
    {
        public Reference() => RunReference();

        // The dense model for 2 epochs: a fraction of a second a fold.
        public override string[] Args(string output) =>
            ["cv", "--data", Data, "--model", "dense", "--folds", $"{Folds}", "--epochs", "2", "--out", output];
    }

    [Theory]
    [MemberData(nameof(SignalledCli.Moments), MemberType = typeof(SignalledCli))]
    public void Sigterm_keeps_the_finished_folds_and_the_same_command_resumes_to_the_same_results(int thousandths)
    {
        using var temp = new TempDirectory();
        string output = temp.File("out"), folds = Path.Combine(output, "folds");
        var run = SignalledCli.InterruptAt(temp.Path, thousandths, reference.Working, () => Directory.Delete(output, recursive: true), reference.Args(output));

        string line = SignalledCli.AssertStoppedCleanly(run);
        var kept = Directory.Exists(folds) ? Directory.GetFiles(folds, "fold-*.json").Order().ToArray() : [];
        var stopped = Regex.Match(line, $@"Interrupted after (\d) of {Folds} folds; the finished ones are kept in {Regex.Escape(folds)}\. Run the same command again to resume from them\.$");
        if (stopped.Success)
        {
            Assert.Equal(int.Parse(stopped.Groups[1].Value, CultureInfo.InvariantCulture), kept.Length);
            Assert.False(File.Exists(Path.Combine(output, "folds.csv")));
        }
        else Assert.Contains("it completed and wrote all its outputs", line); // the signal came as the results were written
        var seconds = kept.ToDictionary(f => Path.GetFileNameWithoutExtension(f)["fold-".Length..], FoldSeconds);

        var resumed = SignalledCli.Complete(temp.Path, reference.Args(output));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        if (kept.Length > 0) Assert.Contains($"Resuming: {kept.Length} finished folds are kept in {folds}.", resumed.Stdout);
        Assert.Equal(SignalledCli.CsvWithout(Path.Combine(reference.Out, "folds.csv"), "seconds"),
            SignalledCli.CsvWithout(Path.Combine(output, "folds.csv"), "seconds"));
        Assert.Equal(SignalledCli.JsonWithout(Path.Combine(reference.Out, "summary.json"), "seconds", "total_seconds"),
            SignalledCli.JsonWithout(Path.Combine(output, "summary.json"), "seconds", "total_seconds"));
        foreach (string plot in new[] { "val_accuracy.png", "val_loss.png" })
            Assert.True(File.ReadAllBytes(Path.Combine(reference.Out, plot)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(output, plot))), $"{plot} differs");
        Assert.Equal(SignalledCli.WithoutSeconds(File.ReadAllText(Path.Combine(reference.Out, "report.html"))),
            SignalledCli.WithoutSeconds(File.ReadAllText(Path.Combine(output, "report.html"))));
        Assert.False(Directory.Exists(folds), "the folds folder outlived the cross-validation");
        // Loaded, not trained again: a kept fold's row carries the seconds the interrupted run measured.
        var rows = File.ReadAllLines(Path.Combine(output, "folds.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => c[^1]);
        foreach (var (fold, secondsThen) in seconds) Assert.Equal(secondsThen, rows[fold]);
    }

    private static string FoldSeconds(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("seconds").GetDouble().ToString("F3", CultureInfo.InvariantCulture);
    }
}
