using Tailor.Losses;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Tensors;
using Tailor.Tests.Serialization;

namespace Tailor.Tests.Models.Training;

/// <summary>Fit's sample_weight and class_weight, with Keras's semantics.</summary>
public sealed class SampleWeightFitTests
{
    private static Sequential Model()
    {
        var model = ModelFileTests.MixedModel();
        model.Compile(new Adam(0.005f), new CategoricalCrossentropy(), "accuracy");
        return model;
    }

    private static int[] Labels(Tensor y) =>
        Enumerable.Range(0, y.Dim(0)).Select(i => Tailor.Metrics.Accuracy.ArgMax(y.Span.Slice(i * y.ItemLength, y.ItemLength))).ToArray();

    [Fact]
    public void Class_weights_train_as_the_sample_weights_they_stand_for()
    {
        var (x, y) = ModelFileTests.SyntheticImages(30, seed: 1);
        var classWeight = new Dictionary<int, float> { [0] = 2f, [1] = 0.5f, [2] = 1.5f };
        var byClass = Model();
        var expected = byClass.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, seed: 3, classWeight: classWeight);

        var bySample = Model();
        var actual = bySample.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, seed: 3, sampleWeight: Labels(y).Select(l => classWeight[l]).ToArray());

        Assert.Equal(expected["loss"], actual["loss"]);
        Assert.Equal(byClass.GetWeights(), bySample.GetWeights());
        var unweighted = Model().Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, seed: 3);
        Assert.NotEqual(unweighted["loss"], expected["loss"]);
    }

    [Fact]
    public void A_validation_split_splits_the_sample_weights_with_the_samples()
    {
        var (x, y) = ModelFileTests.SyntheticImages(40, seed: 2);
        var weights = Enumerable.Range(0, 40).Select(i => 0.5f + i % 3).ToArray();
        var split = Model().Fit(x, y, epochs: 2, batchSize: 8, verbose: 0, seed: 4, validationSplit: 0.25, sampleWeight: weights);

        var explicitly = Model().Fit(x.Slice(0, 30), y.Slice(0, 30), epochs: 2, batchSize: 8, verbose: 0, seed: 4,
            validationData: (x.Slice(30, 10), y.Slice(30, 10)), sampleWeight: weights[..30]);

        Assert.Equal(explicitly["loss"], split["loss"]);
        Assert.Equal(explicitly["val_loss"], split["val_loss"]);
    }

    [Fact]
    public void Weights_that_do_not_fit_are_refused_before_training()
    {
        var (x, y) = ModelFileTests.SyntheticImages(10, seed: 5);
        Assert.Contains("sample_weight holds 9 weights for 10 training samples",
            Assert.Throws<ArgumentException>(() => Model().Fit(x, y, verbose: 0, sampleWeight: new float[9])).Message);
        Assert.Contains("sample 3 has -1",
            Assert.Throws<ArgumentException>(() => Model().Fit(x, y, verbose: 0, sampleWeight: [1, 1, 1, -1, 1, 1, 1, 1, 1, 1])).Message);
        Assert.Contains("class_weight names class 7",
            Assert.Throws<ArgumentException>(() => Model().Fit(x, y, verbose: 0, classWeight: new Dictionary<int, float> { [7] = 1 })).Message);
    }
}
