using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Regularization;
using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Tensors;

namespace Tailor.Tests.Models.Training;

/// <summary>A user's own stream of batches trains as the same samples in memory do, whatever the size of its batches.</summary>
public sealed class EnumerableBatchSourceTests
{
    private static Sequential Model()
    {
        var model = new Sequential(seed: 4);
        model.Add(new Conv2D(4, (3, 3), activation: Tailor.Kernels.Activation.Relu));
        model.Add(new Flatten());
        model.Add(new Dropout(0.3f));
        model.Add(new Dense(3, Tailor.Kernels.Activation.Softmax));
        model.Compile("rmsprop", "categorical_crossentropy", "accuracy");
        return model;
    }

    /// <summary>The rows of x and y in batches of <paramref name="size"/> (the last shorter), as new tensors each pass.</summary>
    private static IEnumerable<(Tensor X, Tensor Y)> Batches(Tensor x, Tensor y, int size)
    {
        for (int start = 0; start < x.Dim(0); start += size)
        {
            int count = Math.Min(size, x.Dim(0) - start);
            yield return (x.Slice(start, count).Clone(), y.Slice(start, count).Clone());
        }
    }

    private static float[][] Weights(Sequential model) => [.. model.Parameters.Select(p => p.Value.Span.ToArray())];

    [Theory]
    [InlineData(16)]
    [InlineData(7)]
    [InlineData(100)]
    public void Batches_of_any_size_train_as_the_tensors_without_shuffling(int size)
    {
        var (x, y, _) = SyntheticData.Images(90, 8, 8, 3, seed: 2);
        var (vx, vy, _) = SyntheticData.Images(30, 8, 8, 3, seed: 3);
        var tensors = Model();
        var expected = tensors.Fit(x, y, epochs: 2, batchSize: 16, validationData: (vx, vy), shuffle: false, seed: 1, verbose: 0);

        var streamed = Model();
        var history = streamed.Fit(new EnumerableBatchSource(() => Batches(x, y, size), 90), epochs: 2, batchSize: 16,
            validationData: new EnumerableBatchSource(() => Batches(vx, vy, 11), 30), shuffle: false, seed: 1, verbose: 0);

        Assert.Equal(Weights(tensors), Weights(streamed));
        Assert.Equal(expected["val_loss"], history["val_loss"]);
    }

    [Fact]
    public void A_stream_resumes_an_interrupted_epoch_past_the_rows_it_trained_on()
    {
        var (x, y, _) = SyntheticData.Images(64, 8, 8, 3, seed: 5);
        var source = new EnumerableBatchSource(() => Batches(x, y, 10), 64);
        var whole = Model();
        whole.Fit(source, epochs: 2, batchSize: 8, shuffle: false, seed: 1, verbose: 0);

        var stopped = Model();
        stopped.Fit(source, epochs: 2, batchSize: 8, shuffle: false, seed: 1, verbose: 0, callbacks: [new Callbacks.InterruptAt(epoch: 1, batch: 2)]);
        stopped.Fit(source, epochs: 2, batchSize: 8, shuffle: false, seed: 1, verbose: 0, resume: stopped.Interruption);

        Assert.Equal(Weights(whole), Weights(stopped));
    }

    [Fact]
    public void Shuffling_a_short_stream_or_batches_of_other_shapes_are_refused_saying_what_to_do()
    {
        var (x, y, _) = SyntheticData.Images(20, 8, 8, 3, seed: 5);
        var model = Model();

        var shuffled = Assert.Throws<ArgumentException>(() => model.Fit(new EnumerableBatchSource(() => Batches(x, y, 5), 20), batchSize: 4, verbose: 0));
        Assert.Contains("shuffle: false", shuffled.Message);

        var shortStream = Assert.Throws<InvalidOperationException>(() => model.Fit(new EnumerableBatchSource(() => Batches(x, y, 5), 40), batchSize: 4, shuffle: false, verbose: 0));
        Assert.Contains("ended after 20 rows; the source was given 40", shortStream.Message);

        IEnumerable<(Tensor, Tensor)> Mixed()
        {
            yield return (x.Slice(0, 4), y.Slice(0, 4));
            yield return (new Tensor(4, 9, 9, 1), y.Slice(4, 4));
        }
        var mixed = Assert.Throws<InvalidOperationException>(() => model.Fit(new EnumerableBatchSource(Mixed, 8), batchSize: 8, shuffle: false, verbose: 0));
        Assert.Contains("the first batch had samples of (8, 8, 1)", mixed.Message);
        Assert.Throws<ArgumentException>(() => new EnumerableBatchSource(() => [], 3));
    }
}
