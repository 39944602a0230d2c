using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tailor.Common;
using Tailor.Data;
using Tailor.Studies.Tuning;
using Tailor.Tests.Data;

namespace Tailor.Tests.Cli.Signals;

/// <summary>
/// `tailor tune` stopped by SIGTERM at ten seeded moments: exit 130 within 10 s and one line saying how many
/// trials are kept; the same command run again loads those trials instead of training them and ends with
/// the results of an uninterrupted search.
/// </summary>
[Collection(SignalledCli.Collection)]
public sealed class TuneSignalTests(TuneSignalTests.Reference reference) : IClassFixture<TuneSignalTests.Reference>
{
    private const int Trials = 4;

    /// <summary>The data, the space and the uninterrupted search, shared by the moments.</summary>
    public sealed class Reference : SignalReference
    {
        public Reference()
        {
            // One tiny convolution a trial: under a second each, so ten interrupted searches stay cheap.
            Space = Temp.File("space.json");
            File.WriteAllText(Space, """{"conv_layers": [1], "filters": [1, 2], "kernel_size": [3, 5], "dense_layers": [0], "dropout": [0.0, 0.5], "batch_size": [1024]}""");
            RunReference();
        }

        public string Space { get; }

        public override string[] Args(string output) => Args(output, epochs: 1);

        public string[] Args(string output, int epochs) =>
        [
            "tune", "--data", Data, "--space", Space, "--trials", $"{Trials}", "--epochs", $"{epochs}", "--no-final", "--no-baseline", "--out", output,
        ];
    }

    [Theory]
    [MemberData(nameof(SignalledCli.Moments), MemberType = typeof(SignalledCli))]
    public void Sigterm_keeps_the_finished_trials_and_the_same_command_resumes_to_the_same_results(int thousandths)
    {
        using var temp = new TempDirectory();
        string output = temp.File("out"), trials = Path.Combine(output, "trials");
        var run = SignalledCli.InterruptAt(temp.Path, thousandths, reference.Working, () => Directory.Delete(output, recursive: true), reference.Args(output));

        string line = SignalledCli.AssertStoppedCleanly(run);
        var kept = Directory.Exists(trials) ? Directory.GetFiles(trials, "trial-*.json").Order().ToArray() : [];
        var stopped = Regex.Match(line, $@"Interrupted after (\d) of {Trials} trials; the finished ones are kept in {Regex.Escape(trials)}\. Run the same command again to resume from them\.$");
        if (stopped.Success)
        {
            Assert.Equal(int.Parse(stopped.Groups[1].Value, CultureInfo.InvariantCulture), kept.Length);
            Assert.False(File.Exists(Path.Combine(output, "results.csv")));
        }
        else Assert.Contains("it completed and wrote all its outputs", line); // the signal came as the results were written
        var seconds = kept.ToDictionary(f => Path.GetFileNameWithoutExtension(f)[6..].TrimStart('0'), TrialSeconds);

        var resumed = SignalledCli.Complete(temp.Path, reference.Args(output));
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        if (kept.Length > 0) Assert.Contains($"Resuming: {kept.Length} finished trials are kept in {trials}.", resumed.Stdout);
        Assert.Equal(SignalledCli.CsvWithout(Path.Combine(reference.Out, "results.csv"), "seconds"),
            SignalledCli.CsvWithout(Path.Combine(output, "results.csv"), "seconds"));
        Assert.Equal(SignalledCli.JsonWithout(Path.Combine(reference.Out, "summary.json"), "seconds"),
            SignalledCli.JsonWithout(Path.Combine(output, "summary.json"), "seconds"));
        Assert.False(Directory.Exists(trials), "the trials folder outlived the search");
        // Loaded, not trained again: a kept trial's row carries the seconds the interrupted run measured.
        var rows = File.ReadAllLines(Path.Combine(output, "results.csv")).Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[1], c => c[7]);
        foreach (var (trial, secondsThen) in seconds) Assert.Equal(secondsThen, rows[trial]);
    }

    [Fact]
    public void Trials_of_other_settings_are_refused_in_one_line_naming_what_differs()
    {
        using var temp = new TempDirectory();
        string output = temp.File("out"), trials = Path.Combine(output, "trials");
        // The first trial of the CLI's search, kept as an interrupted run keeps it.
        var sample = FashionSample.Draw(FashionMnist.Load(reference.Data), FashionSampleOptions.Notebook);
        var space = SearchSpace.Load(reference.Space);
        var options = new TuningOptions { Trials = Trials, Epochs = 1, Baseline = false, Final = false };
        using var cancel = new CancellationTokenSource();
        var progress = Tuner.Progress(trials, space, options, sample.Train, sample.Validation);
        Assert.Throws<OperationInterruptedException>(() =>
            Tuner.Search(space, options, sample.Train, sample.Validation, (_, _) => cancel.Cancel(), progress, cancel.Token));
        Assert.Equal(["trial-001"], progress.Finished);

        var other = SignalledCli.Complete(temp.Path, reference.Args(output, epochs: 2));

        Assert.True(other.ExitCode == 2, other.ToString());
        string line = Assert.Single(other.ErrorLines);
        Assert.Equal($"tailor: error: '{trials}' holds 1 finished trials of a run with other settings (--epochs: 1 before, 2 now). " +
            "Run with the same settings to resume from them, or remove that folder to start afresh.", line);
        Assert.Equal(["trial-001"], progress.Finished);
    }

    private static string TrialSeconds(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("seconds").GetDouble().ToString("F3", CultureInfo.InvariantCulture);
    }
}
