using Tailor.Benchmarks;
using Tailor.Models;

namespace Tailor.Tests.Benchmarks;

public class BenchmarkFiguresTests
{
    [Fact]
    public void Merged_measurements_take_the_median_over_the_epochs_of_both()
    {
        var before = new ModelBenchmark("cnn", 64, 8000, [1.0, 1.2, 5.0], EpochFlops: 2.4e9, InferenceImagesPerSecond: 100);
        var after = new ModelBenchmark("cnn", 64, 8000, [1.1, 0.9], EpochFlops: 2.4e9, InferenceImagesPerSecond: 150);
        var merged = before.Merge(after);
        Assert.Equal([1.0, 1.2, 5.0, 1.1, 0.9], merged.EpochSeconds);
        Assert.Equal(1.1, merged.MedianEpochSeconds);
        Assert.Equal(2.4e9 / 1.1 / 1e9, merged.TrainingGflops, 12);
        Assert.Equal(150, merged.InferenceImagesPerSecond);
    }

    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_middle_two() =>
        Assert.Equal(2.5, EpochBenchmark.Median([4.0, 1.0, 3.0, 2.0]));

    [Fact]
    public void Tailor_measures_as_many_epochs_as_the_peer_script_trains()
    {
        // peer_torch.py: run("dense", ..., 20, ...), run("conv", ..., 14, ...), run("conv_dropout", ..., 20, ...).
        Assert.Equal(20, EpochBenchmark.PeerEpochs(NotebookModel.Dense));
        Assert.Equal(14, EpochBenchmark.PeerEpochs(NotebookModel.Cnn));
        Assert.Equal(20, EpochBenchmark.PeerEpochs(NotebookModel.CnnDropout));
    }

    [Fact]
    public void A_peer_line_is_read_into_its_figures()
    {
        var r = PeerBenchmark.Parse("conv_dropout: epochs=20 batch=64 median_epoch_s=3.504 total_s=71.19 val_acc=0.8835 test_acc=0.8880 infer_s=0.595 n_train=8000");
        Assert.NotNull(r);
        Assert.Equal(("cnn-dropout", 64, 3.504, 0.888, 0.595, 8000), (r!.Model, r.BatchSize, r.MedianEpochSeconds, r.TestAccuracy, r.InferenceSeconds, r.TrainImages));
        Assert.Null(PeerBenchmark.Parse("torch 1.13.1 threads=2 full=False"));
    }
}
