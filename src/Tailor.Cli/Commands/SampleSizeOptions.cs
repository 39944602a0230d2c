using System.CommandLine;
using Tailor.Data;

namespace Tailor.Cli.Commands;

/// <summary>
/// --full, --train-images, --test-images and --validation-images: which of the IDX images a command samples.
/// Shared by `train`, `tutorial` and `data export`, so an exported folder can hold exactly what a run trains and tests on.
/// </summary>
internal sealed class SampleSizeOptions
{
    private readonly Option<bool> _full = new("--full") { Description = "Use all 60,000/10,000 images (10,000 held out) instead of the notebook's sample." };
    private readonly Option<int?> _trainImages = new("--train-images") { Description = "Sample this many training images, validation included (default: the notebook's 10,000)." };
    private readonly Option<int?> _testImages = new("--test-images") { Description = "Sample this many test images (default: the notebook's 2,500)." };
    private readonly Option<int?> _validationImages = new("--validation-images") { Description = "Hold out this many of the training images (default: 2,000, or a fifth of --train-images)." };

    public static SampleSizeOptions AddTo(Command command)
    {
        var options = new SampleSizeOptions();
        command.Options.Add(options._full);
        command.Options.Add(options._trainImages);
        command.Options.Add(options._testImages);
        command.Options.Add(options._validationImages);
        return options;
    }

    public bool Full(ParseResult parsed) => parsed.GetValue(_full);

    public FashionSampleOptions Read(ParseResult parsed, ulong sampleSeed) =>
        Create(parsed.GetValue(_full), sampleSeed, parsed.GetValue(_trainImages), parsed.GetValue(_testImages), parsed.GetValue(_validationImages));

    private static FashionSampleOptions Create(bool full, ulong seed, int? trainImages, int? testImages, int? validationImages)
    {
        var options = (full ? FashionSampleOptions.Full : FashionSampleOptions.Notebook) with { Seed = seed };
        // The notebook's draw never picks the last image of either file, so a sample holds one image fewer.
        if (trainImages is int n)
        {
            if (n is < 2 or >= FashionMnist.TrainCount)
                throw new UsageException($"--train-images must be 2 to {FashionMnist.TrainCount - 1:N0} (one to validate, one to train; the notebook's draw never picks the last image; --full takes all {FashionMnist.TrainCount:N0}), received {n}.");
            options = options with { TrainCount = n, ValidationCount = validationImages ?? Math.Max(1, n / 5) };
        }
        else if (validationImages is int v) options = options with { ValidationCount = v };
        if (testImages is int t)
        {
            if (t is < 1 or >= FashionMnist.TestCount)
                throw new UsageException($"--test-images must be 1 to {FashionMnist.TestCount - 1:N0} (the notebook's draw never picks the last image; --full takes all {FashionMnist.TestCount:N0}), received {t}.");
            options = options with { TestCount = t };
        }
        int train = options.TrainCount ?? FashionMnist.TrainCount;
        if (options.ValidationCount < 0 || options.ValidationCount >= train)
            throw new UsageException($"--validation-images must be in [0, {train - 1}] for {train:N0} training images, received {options.ValidationCount}.");
        return options;
    }
}
