using Tailor.Common;

namespace Tailor.Data;

/// <summary>
/// The training, validation and test tensors of an experiment, drawn as the Zalando notebook and the
/// PyTorch peer (bench/peer_torch.py) draw them: a seeded sample of training positions and then of
/// test positions, without replacement; the first <see cref="FashionSampleOptions.ValidationCount"/>
/// sampled training images validate (the peer's <c>xv = xtr[:nval]</c>), the rest train.
/// The peer samples from <c>range(0, 59999)</c>, which never picks the last image; here every image
/// can be picked. The sequence differs from Python's random.sample: seeds do not carry over.
/// </summary>
public sealed class FashionSample
{
    private readonly int[] _trainIndices;
    private readonly int[] _testIndices;

    private FashionSample(FashionSampleOptions options, int[] trainIndices, int[] testIndices,
        LabeledTensors train, LabeledTensors validation, LabeledTensors test)
    {
        Options = options;
        _trainIndices = trainIndices;
        _testIndices = testIndices;
        Train = train;
        Validation = validation;
        Test = test;
    }

    public FashionSampleOptions Options { get; }

    /// <summary>Positions in the training file, in sampled order; the first ValidationCount form <see cref="Validation"/>.</summary>
    public IReadOnlyList<int> TrainIndices => _trainIndices;

    /// <summary>Positions in the test file, in sampled order.</summary>
    public IReadOnlyList<int> TestIndices => _testIndices;

    public LabeledTensors Train { get; }

    public LabeledTensors Validation { get; }

    public LabeledTensors Test { get; }

    /// <summary>Draws the splits; <paramref name="options"/> defaults to <see cref="FashionSampleOptions.Notebook"/>.</summary>
    public static FashionSample Draw(FashionMnistDataset dataset, FashionSampleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= FashionSampleOptions.Notebook;
        int trainCount = options.TrainCount ?? dataset.Train.Count;
        int testCount = options.TestCount ?? dataset.Test.Count;
        CheckCount(trainCount, 1, dataset.Train.Count, nameof(options.TrainCount), "the training images available");
        CheckCount(testCount, 1, dataset.Test.Count, nameof(options.TestCount), "the test images available");
        CheckCount(options.ValidationCount, 0, trainCount - 1, nameof(options.ValidationCount), "TrainCount - 1, leaving at least one image to train on");

        // One generator for both draws, training first, so the test sample depends on the seed alone.
        var rng = new Rng(options.Seed);
        int[] train = options.TrainCount is null ? FileOrder(trainCount) : IndexSampler.Sample(dataset.Train.Count, trainCount, rng);
        int[] test = options.TestCount is null ? FileOrder(testCount) : IndexSampler.Sample(dataset.Test.Count, testCount, rng);

        int validation = options.ValidationCount;
        return new FashionSample(options, train, test,
            train: Tensors(dataset.Train, train.AsSpan(validation)),
            validation: Tensors(dataset.Train, train.AsSpan(0, validation)),
            test: Tensors(dataset.Test, test));
    }

    private static LabeledTensors Tensors(ImageSet set, ReadOnlySpan<int> indices)
    {
        int[] labels = set.LabelsAt(indices);
        return new LabeledTensors(set.ToTensor(indices), labels, Categorical.ToCategorical(labels, FashionMnist.NumClasses));
    }

    private static int[] FileOrder(int count)
    {
        var indices = new int[count];
        for (int i = 0; i < count; i++) indices[i] = i;
        return indices;
    }

    private static void CheckCount(int value, int min, int max, string name, string maxMeaning)
    {
        if (value < min || value > max)
            throw new ArgumentOutOfRangeException(name, $"Received an invalid value for `{name}`, expected {min} to {max} ({maxMeaning}). Received: {name}={value}");
    }
}
