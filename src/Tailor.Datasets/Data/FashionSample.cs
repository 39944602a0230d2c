using Tailor.Common;

namespace Tailor.Data;

/// <summary>
/// The training, validation and test tensors of an experiment, drawn as the Zalando notebook and the
/// PyTorch peer (bench/peer_torch.py) draw them: a seeded sample of training positions and then of
/// test positions, without replacement; the first <see cref="FashionSampleOptions.ValidationCount"/>
/// sampled training images validate (the peer's <c>xv = xtr[:nval]</c>), the rest train.
/// The draw is Python's own (<see cref="PythonRandom"/>), so the notebook's seed 1109 gives exactly its
/// images, and the peer's; like them it samples from <c>range(0, count - 1)</c>, so the last image of
/// each file is never picked.
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
        if (options.TrainCount is not null)
            CheckCount(trainCount, 1, dataset.Train.Count - 1, nameof(options.TrainCount), "the training images available but the last, which the notebook's draw never picks");
        if (options.TestCount is not null)
            CheckCount(testCount, 1, dataset.Test.Count - 1, nameof(options.TestCount), "the test images available but the last, which the notebook's draw never picks");
        CheckCount(options.ValidationCount, 0, trainCount - 1, nameof(options.ValidationCount), "TrainCount - 1, leaving at least one image to train on");

        // One generator for both draws, training first, as the notebook's two random.sample calls.
        var random = new PythonRandom(options.Seed);
        int[] train = options.TrainCount is null ? FileOrder(trainCount) : random.Sample(dataset.Train.Count - 1, trainCount);
        int[] test = options.TestCount is null ? FileOrder(testCount) : random.Sample(dataset.Test.Count - 1, testCount);

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
