using System.CommandLine;
using Tailor.Common;
using Tailor.Data;
using Tailor.Data.Images;

namespace Tailor.Cli.Commands;

/// <summary>The options and loading of `tailor train --images DIR`: a train/, test/ (and validation/) image folder.</summary>
internal sealed class ImageFolderInput
{
    private readonly Option<string?> _images = new Option<string?>("--images")
    {
        Description = "Train from image files instead of the IDX files: DIR/train and DIR/test (and DIR/validation, else a seeded 20% of train), " +
                      "one subfolder per class, read in file-name order (as `tailor data export` numbers them).",
    }.AsInput("the image folder given as --images");

    private readonly Option<string> _fit = new("--image-fit")
    {
        Description = "How images of another size reach 28x28: stretch, pad or crop.",
        DefaultValueFactory = _ => "stretch",
    };

    private readonly Option<bool> _skipUnreadable = new("--skip-unreadable")
    {
        Description = "Leave out image files that cannot be read or decoded, or are over --max-image-pixels (with a warning), instead of stopping.",
    };

    private readonly Option<long> _maxPixels = CommonOptions.MaxImagePixels();

    public static ImageFolderInput AddTo(Command command)
    {
        var input = new ImageFolderInput();
        command.Options.Add(input._images);
        command.Options.Add(input._fit);
        command.Options.Add(input._skipUnreadable);
        command.Options.Add(input._maxPixels);
        return input;
    }

    public bool IsGiven(ParseResult parsed) => parsed.GetValue(_images) != null;

    /// <summary>
    /// The three sets, and the IDX sample they stand for (saved with the model, so that evaluate and predict
    /// find the same test images): the one in the folder's export.json, else <paramref name="sample"/>.
    /// </summary>
    public (LabeledTensors Train, LabeledTensors Validation, LabeledTensors Test, FashionSampleOptions Sample) Load(ParseResult parsed, ulong seed, FashionSampleOptions sample)
    {
        string directory = parsed.GetValue(_images)!;
        var options = new ImageFolderOptions
        {
            Fit = ParseFit(parsed.GetValue(_fit)!),
            Order = ImageOrder.ByFileName,
            OnUnreadable = parsed.GetValue(_skipUnreadable) ? UnreadableImagePolicy.Skip : UnreadableImagePolicy.Fail,
            MaxImagePixels = parsed.GetValue(_maxPixels),
            // Fashion-MNIST's class folders keep the catalogue's labels, so the model's outputs mean the usual classes.
            ClassNames = FashionMnistImages.ClassOrderOf(Path.Combine(directory, ImageFolderSplits.TrainFolder)),
        };
        var splits = ImageFolderSplits.Open(directory, options);
        if (splits.ClassNames.Count != FashionMnist.NumClasses)
            throw new UsageException($"--images: the notebook's models have {FashionMnist.NumClasses} outputs, but '{splits.Train.Directory}' has {splits.ClassNames.Count} class folders ({string.Join(", ", splits.ClassNames)}).");
        foreach (string link in splits.IgnoredLinks)
            Console.Error.WriteLine($"tailor: warning: did not follow {ErrorText.Name(link)}: a symbolic link to a folder (links to folders are not followed inside --images)");
        foreach (var skipped in splits.Skipped) Console.Error.WriteLine($"tailor: warning: skipped {ErrorText.Name(skipped.Path)}: {ErrorText.OneLine(skipped.Reason)}");
        string order = options.ClassNames is null ? "folder names sorted" : "Fashion-MNIST's label order";
        Console.WriteLine($"Data: images in {Path.GetFullPath(directory)}, classes in {order}: {string.Join(", ", splits.ClassNames)}");
        var (train, validation, test) = splits.ToTensors(seed: seed);
        return (train, validation, test, FashionMnistImages.ReadSampleOptions(directory) ?? sample);
    }

    private static ImageFit ParseFit(string name) => name.Trim().ToLowerInvariant() switch
    {
        "stretch" => ImageFit.Stretch,
        "pad" => ImageFit.Pad,
        "crop" => ImageFit.Crop,
        _ => throw new UsageException($"--image-fit: unknown fit '{name}'. Valid fits: stretch, pad, crop."),
    };
}
