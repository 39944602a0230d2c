using Tailor.Data;

namespace Tailor.Studies;

/// <summary>How the gradient study trains its three deep networks; checked before any work starts.</summary>
public sealed record GradientStudyOptions
{
    public string OutputDirectory { get; init; } = "out/gradients";
    public ulong Seed { get; init; } = 1;
    /// <summary>Epochs of each network: the same for all three, so their curves compare.</summary>
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 32;
    public int HiddenLayers { get; init; } = 10;
    public int Units { get; init; } = 64;
    /// <summary>Plain SGD with momentum, whose step follows the gradient's size, so vanishing gradients show in the accuracy.</summary>
    public float LearningRate { get; init; } = 0.01f;
    public float Momentum { get; init; } = 0.9f;
    /// <summary>Gradient records per epoch: points on the gradient-norm curves.</summary>
    public int RecordsPerEpoch { get; init; } = 5;
    /// <summary>Null: the notebook's sample (8,000 training, 2,000 validation, 2,500 test images).</summary>
    public FashionSampleOptions? Sample { get; init; }

    /// <summary>Seconds rather than minutes, for CI: 2 epochs on 2,000 training images.</summary>
    public static GradientStudyOptions Quick { get; } = new()
    {
        Epochs = 2,
        Sample = FashionSampleOptions.Notebook with { TrainCount = 2_500, ValidationCount = 500, TestCount = 500 },
    };

    /// <summary>Hidden layers of each network: deep enough to show vanishing gradients, at most 100.</summary>
    public static readonly Common.ValueRange HiddenLayersRange = new(1, 100);

    public void Validate()
    {
        TrainingOptions.EpochsRange.Check("--epochs", Epochs);
        TrainingOptions.BatchSizeRange.Check("batch size", BatchSize);
        HiddenLayersRange.Check("--hidden-layers", HiddenLayers);
        if (Units <= 0) throw new ArgumentException($"Hidden units must be a positive integer, received {Units}.");
        TrainingOptions.LearningRateRange.Check("--learning-rate", LearningRate);
        if (RecordsPerEpoch <= 0) throw new ArgumentException($"Records per epoch must be a positive integer, received {RecordsPerEpoch}.");
    }
}
