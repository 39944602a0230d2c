using System.CommandLine;
using Tailor.Common;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Threading;

namespace Tailor.Cli;

/// <summary>Options every command understands.</summary>
internal static class CommonOptions
{
    public static readonly Option<string?> Data = new("--data")
    {
        Description = "Folder with the four Fashion-MNIST files (else TAILOR_DATA, the repository's data/fashion, the user cache).",
        Recursive = true,
    };

    public static readonly Option<int?> Threads = new Option<int?>("--threads")
    {
        Description = "Threads for the kernels (default: all cores).",
        Recursive = true,
    }.Within(WorkerPool.ThreadsRange);

    public static void Apply(ParseResult parsed)
    {
        if (parsed.GetValue(Threads) is int threads) WorkerPool.Threads = threads;
    }

    /// <summary>Finds and loads the dataset, saying where it came from.</summary>
    public static (FashionMnistDataset Dataset, DataLocation Location) LoadDataset(ParseResult parsed)
    {
        var location = new DataLocator().Locate(parsed.GetValue(Data));
        return (FashionMnist.Load(location.Directory), location);
    }

    public static Option<ulong> Seed() =>
        new Option<ulong>("--seed") { Description = "Seed for the initial weights, the shuffles and dropout.", DefaultValueFactory = _ => 1 }.Within(ValueRange.Seed);

    /// <summary>The seed of Python's random.sample that picks the images; 1109 is the notebook's (and the peer's) sample.</summary>
    public static Option<ulong> SampleSeed() => new Option<ulong>("--sample-seed")
    {
        Description = "Seed of the image sample (default: 1109, the notebook's own sample, drawn as Python's random.sample draws it).",
        DefaultValueFactory = _ => FashionSampleOptions.Notebook.Seed,
    }.Within(ValueRange.Seed);

    /// <summary>`--max-image-pixels N`: the pixel budget of one image file, checked from its header before decoding.</summary>
    public static Option<long> MaxImagePixels() => new Option<long>("--max-image-pixels")
    {
        Description = $"Refuse an image file whose header declares more than N pixels (width x height), before decoding it (default: {ImageDecoder.DefaultMaxPixels:N0}).",
        DefaultValueFactory = _ => ImageDecoder.DefaultMaxPixels,
        HelpName = "N",
    }.Within(new ValueRange(1, 1_000_000_000, Note: "a gigapixel decodes to 4 GB"));

    public static Option<string> Out(string defaultFolder) => new("--out")
    {
        Description = $"Output folder (default: {defaultFolder}).",
        DefaultValueFactory = _ => defaultFolder,
    };
}
