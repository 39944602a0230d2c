using Tailor.Augmentation;
using Tailor.Common;
using Tailor.Data;

namespace Tailor.Studies;

/// <summary>How the regularization study trains its five variants; checked before any work starts.</summary>
public sealed record RegularizationStudyOptions
{
    public string OutputDirectory { get; init; } = "out/study-regularization";

    /// <summary>Epochs for every variant (early stopping may end sooner).</summary>
    public int Epochs { get; init; } = 20;

    /// <summary>Seeds the initial weights (the same for every variant), the shuffles, dropout and augmentation.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The images: the notebook's sample by default.</summary>
    public FashionSampleOptions Sample { get; init; } = FashionSampleOptions.Notebook;

    /// <summary>
    /// The L2 factor on every kernel: 1e-3, a common starting value in Keras examples. The Glorot-initialised kernels of
    /// this CNN have a sum of squares near 241, so the penalty starts near 0.24, a tenth of the initial cross-entropy
    /// (ln 10 = 2.3): felt at every step, yet small beside what the data asks for.
    /// </summary>
    public float L2 { get; init; } = 1e-3f;

    /// <summary>The augmentation, as <see cref="AugmentationPipeline.Parse"/> reads it: mirror images and shifts of up to 2 pixels.</summary>
    public string Augment { get; init; } = "flip,shift:2";

    /// <summary>Epochs without a lower validation loss before early stopping ends training.</summary>
    public int Patience { get; init; } = 3;

    public int BatchSize { get; init; } = Models.NotebookModels.DefaultBatchSize(Models.NotebookModel.Cnn);

    /// <summary>A fast look at every part of the report: 3 epochs on 2,000 training images, 500 to validate, 500 to test.</summary>
    public static RegularizationStudyOptions Quick { get; } = new()
    {
        Epochs = 3, Patience = 1,
        Sample = FashionSampleOptions.Notebook with { TrainCount = 2_500, ValidationCount = 500, TestCount = 500 },
    };

    /// <summary>Throws an ArgumentException naming the option when a value is out of range.</summary>
    /// <summary>The L2 factor: positive (the variant must regularise), at most 1.</summary>
    public static readonly ValueRange L2Range = new(0, 1, Whole: false, MinExclusive: true);

    public void Validate()
    {
        TrainingOptions.EpochsRange.Check("--epochs", Epochs);
        L2Range.Check("--l2", L2);
        TrainingOptions.PatienceRange.Check("--patience", Patience);
        TrainingOptions.BatchSizeRange.Check("--batch-size", BatchSize);
        CreateAugmentation();
    }

    public AugmentationPipeline CreateAugmentation()
    {
        try { return AugmentationPipeline.Parse(Augment); }
        catch (ArgumentException e) { throw new ArgumentException($"--augment: {ErrorText.Of(e)}"); }
    }
}
