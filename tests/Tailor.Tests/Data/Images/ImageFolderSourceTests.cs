using Tailor.Callbacks;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Tensors;

namespace Tailor.Tests.Data.Images;

/// <summary>An image folder streamed from disk trains, validates and evaluates bit for bit as the same images in memory.</summary>
public sealed class ImageFolderSourceTests(VendoredFashionMnistFixture fixture) : IClassFixture<VendoredFashionMnistFixture>, IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A small export of the real images, opened uncached (every batch is decoded from its files).</summary>
    private ImageFolderSplits Export()
    {
        var sample = FashionSample.Draw(fixture.Dataset, new FashionSampleOptions { TrainCount = 260, TestCount = 70, ValidationCount = 40, Seed = 4 });
        string folder = _temp.File("export");
        FashionMnistImages.Export(fixture.Dataset, sample, folder, ImageFileFormat.Png);
        // Without validation/, a seeded fifth of train/ validates: the sources must hold out the same rows as the tensors.
        Directory.Delete(Path.Combine(folder, ImageFolderSplits.ValidationFolder), recursive: true);
        var options = new ImageFolderOptions
        {
            Order = ImageOrder.ByFileName, MemoryBudgetBytes = 0,
            ClassNames = FashionMnistImages.ClassOrderOf(Path.Combine(folder, ImageFolderSplits.TrainFolder)),
        };
        return ImageFolderSplits.Open(folder, options);
    }

    private static Sequential Model()
    {
        var model = NotebookModels.Create(NotebookModel.CnnDropout, seed: 3);
        model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
        return model;
    }

    private static float[][] Weights(Sequential model) => [.. model.Parameters.Select(p => p.Value.Span.ToArray())];

    [Fact]
    public void Fit_and_evaluate_from_the_streamed_folder_equal_the_same_images_in_memory_bit_for_bit()
    {
        var splits = Export();
        Assert.False(splits.Train.IsCached);
        var (train, validation, test) = splits.ToTensors(seed: 9);
        using var sources = new Sources(splits.ToSources(seed: 9));

        var inMemory = Model();
        var memoryHistory = inMemory.Fit(train.Images, train.OneHot, epochs: 2, batchSize: 32, validationData: (validation.Images, validation.OneHot), seed: 1, verbose: 0);
        var streamed = Model();
        var streamedHistory = streamed.Fit(sources.Train, epochs: 2, batchSize: 32, validationData: sources.Validation, seed: 1, verbose: 0);

        Assert.Equal(memoryHistory.ToCsv().Split('\n').Select(DropSeconds), streamedHistory.ToCsv().Split('\n').Select(DropSeconds));
        Assert.Equal(Weights(inMemory), Weights(streamed));
        Assert.Equal(inMemory.Evaluate(test.Images, test.OneHot, batchSize: 25), streamed.Evaluate(sources.Test, batchSize: 25));
    }

    [Fact]
    public void An_interrupted_streamed_run_resumes_to_the_uninterrupted_weights()
    {
        var splits = Export();
        using var sources = new Sources(splits.ToSources(seed: 2));
        var whole = Model();
        whole.Fit(sources.Train, epochs: 2, batchSize: 16, validationData: sources.Validation, seed: 5, verbose: 0);

        var stopped = Model();
        // Cut the pass short in the middle of the first epoch, while batches are decoded ahead.
        stopped.Fit(sources.Train, epochs: 2, batchSize: 16, validationData: sources.Validation, seed: 5, verbose: 0,
            callbacks: [new Tests.Callbacks.InterruptAt(epoch: 0, batch: 5)]);
        var state = Assert.IsType<TrainingState>(stopped.Interruption);
        stopped.Fit(sources.Train, epochs: 2, batchSize: 16, validationData: sources.Validation, seed: 5, verbose: 0, resume: state);

        Assert.Equal(Weights(whole), Weights(stopped));
    }

    [Fact]
    public void Rows_asked_for_outside_a_pass_or_out_of_its_order_are_the_same_pixels()
    {
        var splits = Export();
        using var source = new ImageFolderSource(splits.Test, rows: [5, 3, 60], inputShape: [784]);
        var cached = ImageFolder.Open(splits.Test.Directory, splits.Test.Options with { MemoryBudgetBytes = 1 << 30 }).ToTensor();
        int[] order = [2, 0, 1];
        var x = new Tensor(3, 784);
        var y = new Tensor(3, 10);

        source.Gather(order, 0, 3, x, y);
        source.BeginPass(order, 0, 2);
        var first = new Tensor(2, 784);
        source.Gather(order, 1, 2, first, new Tensor(2, 10));
        source.EndPass();

        Assert.Equal(cached.Span.Slice(60 * 784, 784).ToArray(), x.Span[..784].ToArray());
        Assert.Equal(cached.Span.Slice(5 * 784, 784).ToArray(), first.Span[..784].ToArray());
        Assert.Equal(1f, y.Span[source.LabelOf(2)]);
        Assert.Equal(1f, y.Span.Slice(10, 10).ToArray().Sum());
    }

    [Fact]
    public void A_file_that_breaks_during_training_stops_it_naming_the_file()
    {
        // Files kept encoded are not read again: read every file from disk, as a folder over the budget does.
        var exported = Export();
        var splits = ImageFolderSplits.Open(Path.GetDirectoryName(exported.Train.Directory)!, exported.Train.Options with { EncodedBudgetBytes = 0 });
        Assert.Equal(0, splits.Train.EncodedBytes);
        using var sources = new Sources(splits.ToSources(seed: 2));
        string broken = splits.Train.Files[100];
        File.WriteAllBytes(broken, [1, 2, 3]);

        var e = Assert.Throws<DataFormatException>(() => Model().Fit(sources.Train, epochs: 1, batchSize: 16, verbose: 0, shuffle: false));
        Assert.Equal(broken, e.Path);
    }

    [Fact]
    public void Files_are_kept_encoded_within_the_budget_and_decode_to_the_same_pixels()
    {
        var splits = Export();
        int[] order = [.. Enumerable.Range(0, splits.Test.Count)];
        long total = splits.Test.Files.Sum(f => new FileInfo(f).Length);
        var pixels = new List<float[]>();
        foreach (long budget in new[] { 0L, total / 2, new ImageFolderOptions().EncodedBudgetBytes })
        {
            var folder = ImageFolder.Open(splits.Test.Directory, splits.Test.Options with { EncodedBudgetBytes = budget });
            Assert.InRange(folder.EncodedBytes, Math.Min(budget, total) - 2_000, Math.Min(budget, total));
            using var source = new ImageFolderSource(folder);
            var x = new Tensor(order.Length, 28, 28, 1);
            source.BeginPass(order, 0, 32);
            for (int start = 0; start < order.Length; start += 32)
            {
                int count = Math.Min(32, order.Length - start);
                var batch = new Tensor(count, 28, 28, 1);
                source.Gather(order, start, count, batch, new Tensor(count, 10));
                batch.Span.CopyTo(x.Span.Slice(start * 784));
            }
            source.EndPass();
            pixels.Add(x.Span.ToArray());
        }
        Assert.Equal(pixels[0], pixels[1]);
        Assert.Equal(pixels[0], pixels[2]);
    }

    [Fact]
    public void A_disposed_source_refuses_a_new_pass()
    {
        var source = new ImageFolderSource(Export().Test);
        source.BeginPass([0, 1, 2], 0, 2);
        source.Dispose();
        Assert.Throws<ObjectDisposedException>(() => source.BeginPass([0, 1, 2], 0, 2));
    }

    [Fact]
    public void Evaluate_weighs_the_loss_by_sample_weight_as_Keras_and_leaves_accuracy_alone()
    {
        var splits = Export();
        var test = splits.Test.ToLabeledTensors();
        var model = Model();
        float[] weights = [.. Enumerable.Range(0, test.Count).Select(i => (float)(i % 3))];
        var predictions = model.Predict(test.Images);
        double expected = 0;
        for (int i = 0; i < test.Count; i++)
            expected += weights[i] * model.Loss!.Compute(predictions.Span.Slice(i * 10, 10), test.OneHot.Span.Slice(i * 10, 10), 1, 10, default);

        var weighted = model.Evaluate(test.Images, test.OneHot, weights, batchSize: 16);

        Assert.Equal(expected / test.Count, weighted.Loss, 5);
        Assert.Equal(model.Evaluate(test.Images, test.OneHot).Accuracy, weighted.Accuracy);
        Assert.Contains("sample_weight holds 3 weights", Assert.Throws<ArgumentException>(() => model.Evaluate(test.Images, test.OneHot, [1f, 2f, 3f])).Message);
    }

    private static string DropSeconds(string line) => line.Contains(',') ? line[..line.LastIndexOf(',')] : line;

    private sealed class Sources((ImageFolderSource Train, ImageFolderSource Validation, ImageFolderSource Test) sources) : IDisposable
    {
        public ImageFolderSource Train { get; } = sources.Train;
        public ImageFolderSource Validation { get; } = sources.Validation;
        public ImageFolderSource Test { get; } = sources.Test;

        public void Dispose()
        {
            Train.Dispose();
            Validation.Dispose();
            Test.Dispose();
        }
    }
}
