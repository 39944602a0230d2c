using Tailor.Common;
using Tailor.Data;

namespace Tailor.Studies;

/// <summary>How the record study trains its rungs; the same data, seed and epochs for every rung. Checked before any work starts.</summary>
public sealed record RecordStudyOptions
{
    public string OutputDirectory { get; init; } = "out/study-record";

    /// <summary>
    /// Epochs of every rung that trains: one budget for all, so that a rung's gain is not bought with time. The
    /// record's 12, which fit its ten minutes on two cores (the validation curve of its run still rose at the end).
    /// </summary>
    public int Epochs { get; init; } = 12;

    /// <summary>Seeds the initial weights, the shuffles and the augmentation of every rung (the same for all).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The images: the whole set by default (50,000 to train, 10,000 to validate, the 10,000 test images).</summary>
    public FashionSampleOptions Sample { get; init; } = FashionSampleOptions.Full;

    /// <summary>Batch size of every rung: the notebook's 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// The augmentation of the augmentation rung: mirror images. It is there for the last rung too: averaging over
    /// mirror images only helps a model that was trained on them (the shoes all point left).
    /// </summary>
    public string Augment { get; init; } = "flip";

    /// <summary>AdamW's peak rate under the one-cycle schedule, from the AdamW rung on.</summary>
    public float AdamWLearningRate { get; init; } = 0.003f;

    /// <summary>A look at the whole report in well under a minute on two cores: 2 epochs on 1,000 training images, 250 to validate, 500 to test.</summary>
    public static RecordStudyOptions Quick { get; } = new()
    {
        Epochs = 2,
        Sample = FashionSampleOptions.Notebook with { TrainCount = 1_250, ValidationCount = 250, TestCount = 500 },
    };

    /// <summary>Throws an ArgumentException naming the option when a value is out of range.</summary>
    public void Validate()
    {
        TrainingOptions.EpochsRange.Check("--epochs", Epochs);
        TrainingOptions.BatchSizeRange.Check("batch size", BatchSize);
        foreach (var rung in RecordRungs.All) rung.Training(this).Validate();
    }

    /// <summary>The --train-images of the study: that many training images sampled, a fifth of them to validate; every test image.</summary>
    public static FashionSampleOptions SampleOf(int trainImages)
    {
        SampleRange.Check("--train-images", trainImages);
        return FashionSampleOptions.Full with { TrainCount = trainImages, ValidationCount = Math.Max(1, trainImages / 5) };
    }

    /// <summary>Training images (validation included): one to validate and one to train, at most all but the last of the file.</summary>
    public static readonly ValueRange SampleRange = new(2, FashionMnist.TrainCount - 1, Note: "a fifth of them validate");
}
