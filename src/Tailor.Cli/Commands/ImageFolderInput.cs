using System.CommandLine;
using System.Globalization;
using Tailor.Common;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Models.Training;

namespace Tailor.Cli.Commands;

/// <summary>The options and loading of `tailor train --images DIR`: a train/, test/ (and validation/) image folder of any classes and size.</summary>
internal sealed class ImageFolderInput
{
    /// <summary>The largest side --image-size takes: 1024 x 1024 RGB is 3 MB per image, 12 MB as floats.</summary>
    public const int MaxSide = 1024;

    private readonly Option<string?> _images = new Option<string?>("--images")
    {
        Description = "Train from image files instead of the IDX files: DIR/train and DIR/test (and DIR/validation, else a seeded 20% of train), " +
                      "one subfolder per class (two or more), read in file-name order (as `tailor data export` numbers them).",
    }.AsInput("the image folder given as --images");

    private readonly Option<string?> _size = new("--image-size")
    {
        Description = "Size the --images are brought to, HEIGHTxWIDTH (default 28x28).",
        HelpName = "HxW",
    };

    private readonly Option<string?> _color = new("--color")
    {
        Description = "Channels of the --images: grayscale (default) or rgb.",
    };

    private readonly Option<string?> _fit = new("--image-fit")
    {
        Description = "How --images of another aspect ratio reach --image-size: stretch (default), pad or crop.",
    };

    private readonly Option<bool> _skipUnreadable = new("--skip-unreadable")
    {
        Description = "Leave out image files that cannot be read or decoded, or are over --max-image-pixels (with a warning), instead of stopping.",
    };

    private readonly Option<long> _maxPixels = CommonOptions.MaxImagePixels();

    private readonly Option<bool> _stream = new("--stream")
    {
        Description = "Read the --images from disk batch by batch, decoded on background threads ahead of training, instead of holding them " +
                      "in memory (the same run, bit for bit; folders over 1 GiB decoded always stream).",
    };

    public static ImageFolderInput AddTo(Command command)
    {
        var input = new ImageFolderInput();
        command.Options.Add(input._images);
        command.Options.Add(input._size);
        command.Options.Add(input._color);
        command.Options.Add(input._fit);
        command.Options.Add(input._skipUnreadable);
        command.Options.Add(input._maxPixels);
        command.Options.Add(input._stream);
        return input;
    }

    /// <summary>What a checkpoint of an image-folder run fixes: given beside --resume, they would be silently ignored.</summary>
    public Option[] Shape => [_size, _color, _fit];

    public bool IsGiven(ParseResult parsed) => parsed.GetValue(_images) != null;

    /// <summary>Refuses the shape options and --stream without --images: the IDX images are 28x28 grayscale, in memory.</summary>
    public void EnsureShapeOnlyWithImages(ParseResult parsed)
    {
        if (IsGiven(parsed)) return;
        if (Shape.FirstOrDefault(o => parsed.GetResult(o) is { Implicit: false }) is { } given)
            throw new UsageException($"{given.Name} shapes the images of --images DIR; the IDX images are 28x28 grayscale.");
        if (parsed.GetValue(_stream)) throw new UsageException("--stream reads the images of --images DIR from disk; the IDX images are always in memory.");
    }

    /// <summary>
    /// The three sets as the model takes them (<paramref name="modelInput"/>: per-sample shape), the IDX
    /// sample they stand for (the one in the folder's export.json, else <paramref name="sample"/>) and how the
    /// model takes the images. With --stream, or for a folder over the memory budget, the sets are read from
    /// disk batch by batch and must be disposed; otherwise they are tensors in memory. <paramref name="resumed"/>, a
    /// checkpoint's image input, fixes size, colour and classes, and gives the folder when --images does not.
    /// </summary>
    public ImageData Load(ParseResult parsed, ulong seed, FashionSampleOptions sample, ImageInput? resumed, Func<ImageInput, int[]> modelInput)
    {
        var splits = Open(parsed, resumed, out var input);
        foreach (string link in splits.IgnoredLinks)
            Console.Error.WriteLine($"tailor: warning: did not follow {ErrorText.Name(link)}: a symbolic link to a folder (links to folders are not followed inside --images)");
        foreach (var skipped in splits.Skipped) Console.Error.WriteLine($"tailor: warning: skipped {ErrorText.Name(skipped.Path)}: {ErrorText.OneLine(skipped.Reason)}");
        string order = input.ClassNames.SequenceEqual(FashionMnistImages.FolderNames) ? "Fashion-MNIST's label order" : "folder names sorted";
        if (resumed != null) order = "the checkpoint's order";
        bool stream = !splits.Train.IsCached;
        Console.WriteLine($"Data: {input.Describe()} images in {Path.GetFullPath(input.Directory!)}{(stream ? ", streamed from disk" : "")}, " +
            $"{input.ClassNames.Count} classes in {order}: {string.Join(", ", input.ClassNames)}");
        int[] shape = modelInput(input);
        var exported = FashionMnistImages.ReadSampleOptions(input.Directory!) ?? sample;
        if (stream)
        {
            var (trainSource, validationSource, testSource) = splits.ToSources(seed: seed, inputShape: shape);
            return new ImageData(trainSource, validationSource, testSource, exported, input);
        }
        var (train, validation, test) = splits.ToTensors(seed: seed);
        return new ImageData(Source(train, shape), Source(validation, shape), Source(test, shape), exported, input);
    }

    private static TensorBatchSource Source(LabeledTensors set, int[] shape) => new(set.Images.Reshape([set.Count, .. shape]), set.OneHot);

    private ImageFolderSplits Open(ParseResult parsed, ImageInput? resumed, out ImageInput input)
    {
        string directory = parsed.GetValue(_images) ?? resumed?.Directory
            ?? throw new UsageException("--images: the checkpoint does not say which folder it was trained on; give it as --images DIR.");
        ImageFolderOptions options;
        if (resumed != null) options = resumed.Options;
        else
        {
            var (height, width) = ParseSize(parsed.GetValue(_size));
            options = new ImageFolderOptions
            {
                Height = height, Width = width,
                ColorMode = Parse(_color, parsed.GetValue(_color) ?? "grayscale", ImageInput.ParseColor),
                Fit = Parse(_fit, parsed.GetValue(_fit) ?? "stretch", ImageInput.ParseFit),
                Order = ImageOrder.ByFileName,
                // Fashion-MNIST's class folders keep the catalogue's labels, so the model's outputs mean the usual classes.
                ClassNames = FashionMnistImages.ClassOrderOf(Path.Combine(directory, ImageFolderSplits.TrainFolder)),
            };
        }
        options = options with
        {
            OnUnreadable = parsed.GetValue(_skipUnreadable) ? UnreadableImagePolicy.Skip : UnreadableImagePolicy.Fail,
            MaxImagePixels = parsed.GetValue(_maxPixels),
        };
        // A streamed folder is never decoded whole: opening it reads the headers only.
        if (parsed.GetValue(_stream)) options = options with { MemoryBudgetBytes = 0 };
        var splits = ImageFolderSplits.Open(directory, options);
        if (splits.ClassNames.Count < 2)
            throw new DataFormatException(splits.Train.Directory,
                $"holds one class folder ('{splits.ClassNames[0]}'); a classifier needs two or more, one subfolder per class.");
        input = new ImageInput(options.Height, options.Width, options.ColorMode, options.Fit, splits.ClassNames, Path.GetFullPath(directory));
        if (resumed != null) EnsureColour(input, splits.Train, "was trained");
        return splits;
    }

    /// <summary>
    /// Refuses a folder of grayscale files for a model that takes colour: it would see three equal channels,
    /// nothing like the images it learnt from.
    /// </summary>
    public static void EnsureColour(ImageInput model, ImageFolder folder, string trained)
    {
        if (model.Color == ColorMode.Rgb && folder.HoldsOnlyGrayscale())
            throw new DataFormatException(folder.Directory,
                $"holds only grayscale images ({folder.Count:N0} {(folder.Count == 1 ? "file" : "files")}), but the model {trained} on RGB images; give it colour images, or train a model with --color grayscale.");
    }

    /// <summary>HEIGHTxWIDTH, each 1 to <see cref="MaxSide"/>; null is 28x28.</summary>
    public static (int Height, int Width) ParseSize(string? text)
    {
        if (text == null) return (28, 28);
        var parts = text.Trim().ToLowerInvariant().Split('x');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int height)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int width)
            && height is >= 1 and <= MaxSide && width is >= 1 and <= MaxSide)
            return (height, width);
        throw new UsageException($"--image-size: expected HEIGHTxWIDTH, two whole numbers from 1 to {MaxSide} such as 64x64; received '{text}'.");
    }

    private static T Parse<T>(Option option, string text, Func<string, T> parse)
    {
        try { return parse(text); }
        catch (ArgumentException e) { throw new UsageException($"{option.Name}: {e.Message}"); }
    }
}

/// <summary>An image folder's three sets as sources for training, what they stand for, and how the model takes them.</summary>
internal sealed record ImageData(BatchSource Train, BatchSource Validation, BatchSource Test, FashionSampleOptions Sample, ImageInput Input) : IDisposable
{
    public void Dispose()
    {
        foreach (var source in new[] { Train, Validation, Test }) (source as IDisposable)?.Dispose();
    }
}
