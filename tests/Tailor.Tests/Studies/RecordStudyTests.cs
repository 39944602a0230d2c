using System.Globalization;
using Tailor.Common;
using Tailor.Data;
using Tailor.Studies;
using Tailor.Tests.Cli;
using Tailor.Tests.Data;
using Tailor.Visualization;

namespace Tailor.Tests.Studies;

/// <summary>
/// `tailor study record --quick` end to end, and the same study in code, interrupted after two rungs and resumed:
/// the files, one row per rung, deltas that add up, and the same table (but for seconds) from the same seed.
/// </summary>
public sealed class RecordStudyTests : IClassFixture<RecordStudyTests.QuickStudies>
{
    /// <summary>
    /// The two runs the tests read, one after the other: the CLI's --quick run, then the library's on the same
    /// options, stopped after rung 2 and run again to the end from the kept rungs.
    /// </summary>
    public sealed class QuickStudies : IDisposable
    {
        private readonly TempDirectory _temp = new();
        public const ulong Seed = 3;
        public string CliOutput { get; }
        internal CliProcess.Result Cli { get; }
        public string LibraryOutput { get; }
        public string ProgressFolder { get; }
        public OperationInterruptedException Interruption { get; }
        public IReadOnlyList<string> KeptAfterInterruption { get; }
        public bool WroteReportWhenInterrupted { get; }
        public RecordStudy Resumed { get; }

        public QuickStudies()
        {
            CliOutput = _temp.File("cli");
            Cli = CliProcess.Run(_temp.Path, "study", "record", "--quick", "--seed", Seed.ToString(CultureInfo.InvariantCulture),
                "--data", VendoredData.Directory, "--out", CliOutput);

            LibraryOutput = _temp.File("library");
            ProgressFolder = _temp.File("rungs");
            var options = RecordStudyOptions.Quick with { OutputDirectory = LibraryOutput, Seed = Seed };
            var sample = FashionSample.Draw(FashionMnist.Load(VendoredData.Directory), options.Sample);
            using (var cancel = new CancellationTokenSource())
            {
                var first = new RecordStudy(options, TextWriter.Null, verbose: 0);
                Interruption = Assert.Throws<OperationInterruptedException>(() => first.Run(sample, RecordStudy.Progress(ProgressFolder, options, sample),
                    r => { if (r.Rung == RecordRung.BatchNorm) cancel.Cancel(); }, cancel.Token));
            }
            KeptAfterInterruption = RecordStudy.Progress(ProgressFolder, options, sample).Finished;
            WroteReportWhenInterrupted = Directory.Exists(LibraryOutput);
            Resumed = new RecordStudy(options, TextWriter.Null, verbose: 0);
            Resumed.Run(sample, RecordStudy.Progress(ProgressFolder, options, sample));
        }

        public void Dispose() => _temp.Dispose();
    }

    private readonly QuickStudies _run;

    public RecordStudyTests(QuickStudies run) => _run = run;

    [Fact]
    public void The_quick_command_writes_the_report_the_tables_and_the_plots_and_removes_its_kept_rungs()
    {
        Assert.True(_run.Cli.ExitCode == 0, _run.Cli.Stderr);
        foreach (string file in RecordStudy.OutputFiles) Assert.True(File.Exists(Path.Combine(_run.CliOutput, file)), $"{file} is missing");
        foreach (string png in RecordStudy.OutputFiles.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
            Assert.True(PngFile.IsPng(File.ReadAllBytes(Path.Combine(_run.CliOutput, png))), $"{png} is not a PNG");
        string html = File.ReadAllText(Path.Combine(_run.CliOutput, "report.html"));
        Assert.Equal(3, html.Split("<img src=\"data:image/png;base64,").Length - 1);
        foreach (var rung in RecordRungs.All) Assert.Contains(System.Net.WebUtility.HtmlEncode(rung.Title()), html);
        Assert.False(Directory.Exists(Path.Combine(_run.CliOutput, "rungs")), "the kept rungs outlived the published report");
        Assert.Contains("7. + flip averaging (TTA)", _run.Cli.Stdout);
    }

    [Fact]
    public void The_tables_have_one_row_per_rung_in_order()
    {
        string[] csv = File.ReadAllLines(Path.Combine(_run.CliOutput, "results.csv"));
        Assert.StartsWith("rung,name,setting,parameters,epochs,val_loss,val_accuracy,delta_val_accuracy,test_loss,test_accuracy,delta_test_accuracy,seconds,cpu_seconds", csv[0]);
        Assert.Equal(RecordRungs.All.Select(r => $"{r.Number()},{r.CliName()}"), csv.Skip(1).Select(l => string.Join(',', l.Split(',').Take(2))));

        string[] md = File.ReadAllLines(Path.Combine(_run.CliOutput, "results.md"));
        Assert.Equal(2 + RecordRungs.All.Count, md.Length);
        Assert.Equal(RecordRungs.All.Select(r => r.Title()), md.Skip(2).Select(l => l.Split('|')[2].Trim()));
    }

    [Fact]
    public void Each_rung_adds_one_ingredient_and_the_deltas_add_up_to_the_whole_climb()
    {
        var results = _run.Resumed.Results;
        Assert.Equal(RecordRungs.All, results.Select(r => r.Rung));
        Assert.Null(results[0].TestDelta);
        for (int i = 1; i < results.Count; i++)
        {
            Assert.Equal(results[i].TestAccuracy - results[i - 1].TestAccuracy, results[i].TestDelta!.Value);
            Assert.Equal(results[i].ValidationAccuracy - results[i - 1].ValidationAccuracy, results[i].ValidationDelta!.Value);
        }
        Assert.Equal(results[^1].TestAccuracy - results[0].TestAccuracy, results.Skip(1).Sum(r => r.TestDelta!.Value), 12);
        Assert.Equal(results[^1].ValidationAccuracy - results[0].ValidationAccuracy, results.Skip(1).Sum(r => r.ValidationDelta!.Value), 12);
        // Every rung that trains ran the same epochs; the flip-averaging rung reuses the model above it.
        Assert.All(results.Where(r => r.Rung.Trains()), r => Assert.Equal(RecordStudyOptions.Quick.Epochs, r.Epochs));
        var last = results[^1];
        Assert.Equal(0, last.Epochs);
        Assert.Equal(results[^2].Parameters, last.Parameters);
        Assert.Equal(93_322, results[0].Parameters);
        Assert.Equal(871_210, results[2].Parameters);
    }

    [Fact]
    public void An_interrupted_study_keeps_its_finished_rungs_writes_nothing_and_resumes_to_the_same_table()
    {
        Assert.Equal(["rung-1-notebook-cnn", "rung-2-batch-norm"], _run.KeptAfterInterruption);
        Assert.StartsWith("Interrupted before rung 3 of 7 (+ VGG-style network); 2 finished rungs are kept in ", _run.Interruption.Message);
        Assert.False(_run.WroteReportWhenInterrupted);

        // The CLI's uninterrupted run and the library's resumed one: the same seed gives the same table, but for seconds.
        Assert.Equal(WithoutSeconds(File.ReadAllLines(Path.Combine(_run.CliOutput, "results.csv"))),
            WithoutSeconds(File.ReadAllLines(_run.Resumed.ResultsPath)));
    }

    private static string[] WithoutSeconds(string[] csv) => [.. csv.Select(l => l[..l.LastIndexOf(',', l.LastIndexOf(',') - 1)])];

    [Fact]
    public void The_rungs_train_as_tailor_train_does_with_one_more_option_each()
    {
        var options = RecordStudyOptions.Quick;
        Assert.Equal("--model cnn --optimizer rmsprop", RecordRung.NotebookCnn.Setting(options));
        Assert.Equal("--model vgg --optimizer adamw --learning-rate 0.003 --lr-schedule one-cycle --augment flip",
            RecordRung.Augmentation.Setting(options));
        Assert.Equal(RecordRung.Augmentation.Training(options), RecordRung.FlipAveraging.Training(options));
        for (int i = 1; i < RecordRungs.All.Count - 1; i++)
            Assert.NotEqual(RecordRungs.All[i - 1].Training(options), RecordRungs.All[i].Training(options));
    }
}

/// <summary>Options out of range are refused before any image is read or any file written.</summary>
public sealed class RecordStudyOptionsTests
{
    [Theory]
    [InlineData(0, 0.003f, "--epochs must be 1 to 10,000, received 0.")]
    [InlineData(2, 20f, "--learning-rate must be in (0, 10], received 20.")]
    public void A_value_out_of_range_is_named_and_nothing_is_written(int epochs, float rate, string expected)
    {
        using var temp = new TempDirectory();
        string output = temp.File("out");
        var options = RecordStudyOptions.Quick with { OutputDirectory = output, Epochs = epochs, AdamWLearningRate = rate };

        var error = Assert.Throws<ArgumentException>(() => new RecordStudy(options, TextWriter.Null, verbose: 0).Run(SyntheticFashion.Dataset(20, 10)));

        Assert.Equal(expected, error.Message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Train_images_take_a_fifth_to_validate_and_every_test_image()
    {
        var sample = RecordStudyOptions.SampleOf(1_000);
        Assert.Equal((1_000, 200, (int?)null), (sample.TrainCount!.Value, sample.ValidationCount, sample.TestCount));
        Assert.Equal("--train-images must be 2 to 59,999 (a fifth of them validate), received 1.",
            Assert.Throws<ArgumentException>(() => RecordStudyOptions.SampleOf(1)).Message);
    }
}
