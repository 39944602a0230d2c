using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Optimizers;
using Tailor.Tests.Serialization;

namespace Tailor.Tests.Models.Training;

/// <summary>Evaluation shared by workers, batch by batch: the loss and accuracy of one process, bit for bit.</summary>
public sealed class ShardedEvaluationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Workers_sharing_the_batches_evaluate_to_the_bits_of_one_process(int workers)
    {
        // 37 rows in batches of 10: four batches, the last of 7; five workers leave one idle.
        var (x, y) = ModelFileTests.SyntheticImages(37, 3);
        var (trainX, trainY) = ModelFileTests.SyntheticImages(40, 4);
        var model = ModelFileTests.MixedModel(dropout: true);
        model.Compile(new Adam(0.005f), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
        model.Fit(trainX, trainY, epochs: 1, batchSize: 10, verbose: 0, seed: 2);
        var expected = model.Evaluate(x, y, batchSize: 10);

        var group = new InProcessGroup(workers);
        var results = new Evaluation[workers];
        var weights = model.GetWeights();
        var copies = Enumerable.Range(0, workers).Select(_ =>
        {
            var copy = ModelFileTests.MixedModel(dropout: true);
            copy.Compile(new Adam(0.005f), new Tailor.Losses.CategoricalCrossentropy(), "accuracy");
            copy.Build(x.Shape[1..].ToArray());
            copy.SetWeights(weights);
            return copy;
        }).ToArray();
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers },
            r => results[r] = ShardedEvaluation.Evaluate(copies[r], new TensorBatchSource(x, y), group.Member(r), batchSize: 10));

        Assert.True(expected.Accuracy is > 0 and < 1, $"accuracy {expected.Accuracy}: a test that cannot tell batches apart");
        foreach (var result in results) Assert.Equal(expected, result);
    }
}
