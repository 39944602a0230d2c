using Tailor.Losses;
using Tailor.Metrics;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Tests.Serialization;

namespace Tailor.Tests.Metrics;

/// <summary>Metrics are objects: Accuracy keeps sums that a checkpoint restores and shards add.</summary>
public sealed class AccuracyTests
{
    [Fact]
    public void Accuracy_counts_as_keras_resolves_it_from_the_loss()
    {
        float[] predictions = [0.1f, 0.7f, 0.2f, 0.6f, 0.3f, 0.1f, 0.2f, 0.2f, 0.6f];
        var categorical = new Accuracy();
        categorical.Update(new CategoricalCrossentropy(), predictions, [0, 1, 0, 0, 0, 1, 0, 0, 1], 3, 3);
        var sparse = new Accuracy();
        sparse.Update(new SparseCategoricalCrossentropy(), predictions, [1, 0, 0], 3, 3);
        var binary = new Accuracy();
        binary.Update(new BinaryCrossentropy(), predictions, [0, 1, 0, 1, 0, 0, 0, 0, 0], 3, 3);

        Assert.Equal([2.0, 3.0], categorical.State);
        Assert.Equal(2.0 / 3, categorical.Result());
        Assert.Equal([2.0, 3.0], sparse.State);
        Assert.Equal([8.0, 9.0], binary.State);
        Assert.Equal(8.0 / 9, binary.Result());
    }

    [Fact]
    public void Partial_states_added_give_the_result_of_one_pass()
    {
        float[] predictions = [0.9f, 0.1f, 0.4f, 0.6f, 0.3f, 0.7f, 0.8f, 0.2f];
        float[] targets = [1, 0, 1, 0, 0, 1, 0, 1];
        var loss = new CategoricalCrossentropy();
        var whole = new Accuracy();
        whole.Update(loss, predictions, targets, 4, 2);
        var (a, b) = (new Accuracy(), new Accuracy());
        a.Update(loss, predictions.AsSpan(0, 4), targets.AsSpan(0, 4), 2, 2);
        b.Update(loss, predictions.AsSpan(4), targets.AsSpan(4), 2, 2);

        var combined = new Accuracy();
        combined.Restore([a.State[0] + b.State[0], a.State[1] + b.State[1]]);

        Assert.Equal(whole.Result(), combined.Result());
        combined.Reset();
        Assert.Equal([0.0, 0.0], combined.State);
        Assert.Equal(0, combined.Result());
    }

    [Fact]
    public void A_state_of_the_wrong_length_and_an_unknown_name_are_refused()
    {
        Assert.Contains("keeps 2 sums, received 3", Assert.Throws<ArgumentException>(() => new Accuracy().Restore([1, 2, 3])).Message);
        Assert.Contains("Unknown metric 'f2'", Assert.Throws<ArgumentException>(() => Metric.Parse("f2")).Message);
        Assert.IsType<Accuracy>(Metric.Parse("acc"));
    }

    [Fact]
    public void Compiling_with_metric_objects_trains_as_with_their_names()
    {
        var (x, y) = ModelFileTests.SyntheticImages(20, seed: 1);
        var byName = ModelFileTests.MixedModel();
        byName.Compile(new Adam(), new CategoricalCrossentropy(), "accuracy");
        var byObject = ModelFileTests.MixedModel();
        byObject.Compile(new Adam(), new CategoricalCrossentropy(), [new Accuracy(), new Accuracy()]);

        var expected = byName.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);
        var actual = byObject.Fit(x, y, epochs: 2, batchSize: 8, verbose: 0);

        Assert.Single(byObject.Metrics);
        Assert.Equal(expected["accuracy"], actual["accuracy"]);
        Assert.Equal(expected["loss"], actual["loss"]);
    }
}
