using System.Text.RegularExpressions;
using Tailor.Common;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Tests.Data;

namespace Tailor.Tests.Cli.Signals;

/// <summary>
/// `tailor data export` stopped by SIGTERM at ten seeded moments: exit 130 within 10 s and one line saying how
/// many images are kept; the same command run again finishes the export, file for file the uninterrupted one.
/// An unfinished export is refused by `tailor train --images`.
/// </summary>
[Collection(SignalledCli.Collection)]
public sealed class ExportSignalTests(ExportSignalTests.Reference reference) : IClassFixture<ExportSignalTests.Reference>
{
    /// <summary>The data and the uninterrupted export, shared by the moments.</summary>
    public sealed class Reference : SignalReference
    {
        public Reference() => RunReference();

        // 500 PNG files: a fraction of a second of work.
        public override string[] Args(string output) =>
            ["data", "export", "--data", Data, "--train-images", "400", "--test-images", "100", "--out", output];
    }

    [Theory]
    [MemberData(nameof(SignalledCli.Moments), MemberType = typeof(SignalledCli))]
    public void Sigterm_keeps_the_written_images_and_the_same_command_finishes_the_export(int thousandths)
    {
        using var temp = new TempDirectory();
        string output = temp.File("out");
        var run = SignalledCli.InterruptAt(temp.Path, thousandths, reference.Working, () => Directory.Delete(output, recursive: true), reference.Args(output));

        string line = SignalledCli.AssertStoppedCleanly(run);
        bool stopped = Regex.IsMatch(line, $@"Interrupted after [\d,]+ of 500 images; they are kept in '{Regex.Escape(output)}', which has no export\.json yet");
        if (stopped)
        {
            Assert.True(File.Exists(Path.Combine(output, FashionMnistImages.PartialManifestName)));
            Assert.False(File.Exists(Path.Combine(output, FashionMnistImages.ManifestName)));
        }
        else Assert.Contains("it completed and wrote all its outputs", line); // the signal came as the manifest was written

        var rerun = SignalledCli.Complete(temp.Path, reference.Args(output));

        Assert.True(rerun.ExitCode == (stopped ? 0 : 1), rerun.ToString());
        if (stopped) Assert.Contains($"Resuming the unfinished export in {output}", rerun.Stdout);
        else Assert.Contains("already holds files", Assert.Single(rerun.ErrorLines)); // a finished export is not written over
        AssertSameFiles(reference.Out, output);
    }

    /// <summary>The reference's export into temp/out, stopped by its token after <paramref name="afterImages"/> images.</summary>
    private string StoppedExport(TempDirectory temp, int afterImages)
    {
        string output = temp.File("out");
        var dataset = FashionMnist.Load(reference.Data);
        var sample = FashionSample.Draw(dataset, FashionSampleOptions.Notebook with { TrainCount = 400, ValidationCount = 80, TestCount = 100 });
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationInterruptedException>(() =>
            FashionMnistImages.Export(dataset, sample, output, ImageFileFormat.Png, progress: new CancelAfter(cancel, afterImages), cancellationToken: cancel.Token));
        return output;
    }

    [Fact]
    public void An_unfinished_export_is_refused_by_train_images_and_finished_by_the_same_export()
    {
        using var temp = new TempDirectory();
        // What a run stopped after 200 images leaves, and a temporary file as a killed write leaves it.
        string output = StoppedExport(temp, afterImages: 200);
        string leftover = Path.Combine(output, "train", FashionMnistImages.FolderNames[3], ".01234.png.5f3a.tmp");
        File.WriteAllBytes(leftover, [1, 2, 3]);

        var train = SignalledCli.Complete(temp.Path, "train", "--images", output, "--model", "dense", "--epochs", "1", "--out", temp.File("model"));

        Assert.True(train.ExitCode == 1, train.ToString());
        Assert.Equal($"tailor: error: {output}: is an unfinished `tailor data export` ({FashionMnistImages.PartialManifestName} but no {FashionMnistImages.ManifestName}): " +
            "it holds only part of the images. Run the same export command again to finish it.", Assert.Single(train.ErrorLines));
        Assert.False(Directory.Exists(temp.File("model")));

        var finished = SignalledCli.Complete(temp.Path, reference.Args(output));

        Assert.True(finished.ExitCode == 0, finished.ToString());
        Assert.False(File.Exists(leftover));
        AssertSameFiles(reference.Out, output);
    }

    [Fact]
    public void An_unfinished_export_of_other_settings_is_refused_naming_them()
    {
        using var temp = new TempDirectory();
        string output = StoppedExport(temp, afterImages: 10);

        var other = SignalledCli.Complete(temp.Path, [.. reference.Args(output), "--format", "jpeg"]);

        Assert.True(other.ExitCode == 1, other.ToString());
        Assert.Equal($"tailor: error: '{output}' holds an unfinished export of other settings (--format: \"png\" before, \"jpeg\" now; --quality: null before, 95 now). " +
            "Run that export again to finish it, or export into a new or empty folder.", Assert.Single(other.ErrorLines));
    }

    private static void AssertSameFiles(string expected, string actual)
    {
        var want = SignalledCli.Files(expected);
        var got = SignalledCli.Files(actual);
        Assert.Equal(want.Keys, got.Keys);
        foreach (var (name, bytes) in want) Assert.True(bytes.AsSpan().SequenceEqual(got[name]), $"{name} differs from the uninterrupted export");
    }

    /// <summary>Cancels once <paramref name="count"/> images are written (reported synchronously, unlike Progress&lt;T&gt;).</summary>
    private sealed class CancelAfter(CancellationTokenSource source, int count) : IProgress<int>
    {
        public void Report(int value)
        {
            if (value >= count) source.Cancel();
        }
    }
}
