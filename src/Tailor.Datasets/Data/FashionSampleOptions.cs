namespace Tailor.Data;

/// <summary>
/// How <see cref="FashionSample"/> draws its splits. The defaults are the Zalando notebook's: a seeded
/// sample of 10,000 training and 2,500 test images, the first 2,000 sampled training images held out
/// for validation.
/// </summary>
public sealed record FashionSampleOptions
{
    /// <summary>The notebook's <c>random.seed(1109)</c>.</summary>
    public ulong Seed { get; init; } = 1109;

    /// <summary>Training images to sample, validation included; null takes all of them in file order.</summary>
    public int? TrainCount { get; init; } = 10_000;

    /// <summary>Test images to sample; null takes all of them in file order.</summary>
    public int? TestCount { get; init; } = 2_500;

    /// <summary>How many of the first training images (in sampled order) form the validation set.</summary>
    public int ValidationCount { get; init; } = 2_000;

    /// <summary>The notebook's sample: 10,000 / 2,500, 2,000 held out.</summary>
    public static FashionSampleOptions Notebook { get; } = new();

    /// <summary>The whole dataset: 60,000 training images of which the first 10,000 validate, and all 10,000 test images.</summary>
    public static FashionSampleOptions Full { get; } = new() { TrainCount = null, TestCount = null, ValidationCount = 10_000 };
}
