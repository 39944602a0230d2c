using System.CommandLine;
using Tailor.Common;
using Tailor.Data;

namespace Tailor.Cli.Commands;

/// <summary>
/// --full, --train-images, --test-images and --validation-images: which of the IDX images a command samples.
/// Shared by `train`, `tutorial` and `data export`, so an exported folder can hold exactly what a run trains and tests on.
/// </summary>
internal sealed class SampleSizeOptions
{
    private readonly Option<bool> _full = new("--full") { Description = "Use all 60,000/10,000 images (10,000 held out) instead of the notebook's sample." };
    // The notebook's draw never picks the last image of either file, so a sample holds one image fewer; --full takes them all.
    private readonly Option<int?> _trainImages = new Option<int?>("--train-images") { Description = "Sample this many training images, validation included (default: the notebook's 10,000)." }
        .Within(new ValueRange(2, FashionMnist.TrainCount - 1, Note: "one to validate, one to train; --full takes all 60,000"));
    private readonly Option<int?> _testImages = new Option<int?>("--test-images") { Description = "Sample this many test images (default: the notebook's 2,500)." }
        .Within(new ValueRange(1, FashionMnist.TestCount - 1, Note: "--full takes all 10,000"));
    private readonly Option<int?> _validationImages = new Option<int?>("--validation-images") { Description = "Hold out this many of the training images (default: 2,000, or a fifth of --train-images; fewer than the training images)." }
        .Within(new ValueRange(1, FashionMnist.TrainCount - 2, Note: "each epoch is validated"));

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

    /// <summary>The four options, for checks that concern all of them.</summary>
    public IReadOnlyList<Option> All => [_full, _trainImages, _testImages, _validationImages];

    public FashionSampleOptions Read(ParseResult parsed, ulong sampleSeed) =>
        Create(parsed.GetValue(_full), sampleSeed, parsed.GetValue(_trainImages), parsed.GetValue(_testImages), parsed.GetValue(_validationImages));

    private static FashionSampleOptions Create(bool full, ulong seed, int? trainImages, int? testImages, int? validationImages)
    {
        var options = (full ? FashionSampleOptions.Full : FashionSampleOptions.Notebook) with { Seed = seed };
        // Each count is within its option's range (checked by the parser); only their relation is left to check.
        if (trainImages is int n) options = options with { TrainCount = n, ValidationCount = validationImages ?? Math.Max(1, n / 5) };
        else if (validationImages is int v) options = options with { ValidationCount = v };
        if (testImages is int t) options = options with { TestCount = t };
        int train = options.TrainCount ?? FashionMnist.TrainCount;
        // Every run validates each epoch (the curves, early stopping and metrics.json read val_loss), so at least one image is held out.
        if (options.ValidationCount < 1 || options.ValidationCount >= train)
            throw new UsageException($"--validation-images must be in [1, {train - 1}] for {train:N0} training images (each epoch is validated), received {options.ValidationCount}.");
        return options;
    }
}
