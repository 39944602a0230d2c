using System.Net;
using System.Text.Json;
using Tailor.Common;
using Tailor.Data;
using Tailor.Models;
using Tailor.Studies;
using Tailor.Tests.Data;
using Tailor.Tests.Distribution;

namespace Tailor.Tests.Studies;

public sealed class CrossValidationTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly CrossValidationOptions Tiny = new() { Model = NotebookModel.Dense, Folds = 3, Epochs = 2, Seed = 5 };

    [Fact]
    public void Each_fold_trains_on_the_others_and_the_summary_is_the_mean_and_sample_deviation_of_the_folds()
    {
        var data = StudyData.Set(300);
        var test = StudyData.Set(50, offset: 300);
        var heard = new List<int>();

        var result = CrossValidation.Run(data, Tiny, test, fold => heard.Add(fold.Fold));

        Assert.Equal([1, 2, 3], heard);
        Assert.Equal(3, result.Folds.Count);
        foreach (var fold in result.Folds)
        {
            Assert.Equal(100, fold.ValidationCount);
            Assert.Equal(200, fold.TrainCount);
            Assert.Equal(2, fold.History.Epochs.Count);
            Assert.NotNull(fold.Test);
            Assert.True(fold.Seconds > 0);
        }
        double[] acc = [.. result.Folds.Select(f => f.ValidationAccuracy)];
        Assert.Equal(acc.Average(), result.MeanAccuracy, 12);
        double mean = acc.Average();
        Assert.Equal(Math.Sqrt(acc.Sum(a => (a - mean) * (a - mean)) / 2), result.AccuracyStandardDeviation, 12);
    }

    [Fact]
    public void The_same_seed_repeats_every_fold_bit_for_bit()
    {
        var data = StudyData.Set(200);

        var a = CrossValidation.Run(data, Tiny with { Folds = 2 });
        var b = CrossValidation.Run(data, Tiny with { Folds = 2 });

        for (int f = 0; f < 2; f++)
            Assert.Equal(a.Folds[f].History["val_loss"], b.Folds[f].History["val_loss"]);
    }

    [Fact]
    public void Folds_computed_last_first_as_on_several_ranks_give_the_one_process_result()
    {
        var data = StudyData.Set(300);
        var test = StudyData.Set(50, offset: 300);
        var reversed = new ReversedUnitScheduler();
        var heard = new List<int>();

        var spread = CrossValidation.Run(data, Tiny, reversed, test, fold => heard.Add(fold.Fold))!;
        var alone = CrossValidation.Run(data, Tiny, test);

        Assert.Equal([2, 1, 0], reversed.Computed);
        Assert.Equal([3, 2, 1], heard);
        Assert.Equal(alone.ToCsv().Split('\n').Select(WithoutSeconds), spread.ToCsv().Split('\n').Select(WithoutSeconds));
        for (int f = 0; f < 3; f++) Assert.Equal(alone.Folds[f].History.Values, spread.Folds[f].History.Values);
    }

    [Fact]
    public void Interrupted_after_a_fold_it_keeps_that_fold_and_resumes_to_the_uninterrupted_result()
    {
        var data = StudyData.Set(300);
        var test = StudyData.Set(50, offset: 300);
        string folder = _temp.File("folds");
        using var cancel = new CancellationTokenSource();
        FoldResult? first = null;

        var e = Assert.Throws<OperationInterruptedException>(() => CrossValidation.Run(data, Tiny, test, fold =>
        {
            first = fold;
            cancel.Cancel();
        }, progress: CrossValidation.Progress(folder, Tiny, data, test), cancellationToken: cancel.Token));

        Assert.Equal($"Interrupted after 1 of 3 folds; the finished ones are kept in {folder}. Run the same command again to resume from them.", e.Message);
        var progress = CrossValidation.Progress(folder, Tiny, data, test);
        Assert.Equal(["fold-1"], progress.Finished);
        var resumed = CrossValidation.Run(data, Tiny, test, progress: progress);
        var uninterrupted = CrossValidation.Run(data, Tiny, test);
        // The kept fold is loaded, not trained again: its seconds are those measured before.
        Assert.Equal(first!.Seconds, resumed.Folds[0].Seconds);
        Assert.Equal(uninterrupted.ToCsv().Split('\n').Select(WithoutSeconds), resumed.ToCsv().Split('\n').Select(WithoutSeconds));
        for (int f = 0; f < 3; f++)
            foreach (var (key, values) in uninterrupted.Folds[f].History.Values)
                Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), resumed.Folds[f].History[key].Select(BitConverter.DoubleToInt64Bits));
        Assert.Throws<ArgumentException>(() => CrossValidation.Progress(folder, Tiny with { Epochs = 3 }, data, test));
    }

    private static string WithoutSeconds(string line) => line.Contains(',') ? line[..line.LastIndexOf(',')] : line;

    [Fact]
    public void The_outputs_are_the_csv_the_summary_the_overlaid_curves_and_the_report()
    {
        var result = CrossValidation.Run(StudyData.Set(200), Tiny with { Folds = 2 }, StudyData.Set(40, offset: 200));
        string dir = _temp.Subfolder("cv");

        result.WriteOutputs(dir);

        Assert.Equal(CrossValidationResult.OutputFiles.Order(), Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        string[] csv = File.ReadAllLines(Path.Combine(dir, "folds.csv"));
        Assert.Equal(3, csv.Length);
        Assert.StartsWith("fold,train,validation,val_loss,val_accuracy", csv[0]);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        Assert.Equal(result.MeanAccuracy, json.RootElement.GetProperty("mean_val_accuracy").GetDouble(), 12);
        Assert.Equal(2, json.RootElement.GetProperty("per_fold").GetArrayLength());
        string html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Equal(2, html.Split("<img src=\"data:image/png;base64,").Length - 1);
        Assert.Contains(WebUtility.HtmlEncode(CrossValidationResult.MeanAndDeviation(result.MeanAccuracy, result.AccuracyStandardDeviation)), html);
    }

    [Fact]
    public void Too_many_folds_for_the_smallest_class_fail_before_any_training()
    {
        // 20 samples per class.
        var data = StudyData.Set(200);

        var e = Assert.Throws<ArgumentException>(() => CrossValidation.Run(data, Tiny with { Folds = 21 }));

        Assert.Contains("--folds", e.Message);
        Assert.Contains("at most 20", e.Message);
    }

    [Fact]
    public void The_default_epochs_are_the_tutorial_s_kept_epochs()
    {
        Assert.Equal(14, new CrossValidationOptions { Model = NotebookModel.Cnn }.EffectiveEpochs);
        Assert.Equal(20, new CrossValidationOptions { Model = NotebookModel.CnnDropout }.EffectiveEpochs);
        Assert.Equal(3, new CrossValidationOptions { Epochs = 3 }.EffectiveEpochs);
    }
}
