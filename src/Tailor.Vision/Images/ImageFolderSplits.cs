using Tailor.Common;

namespace Tailor.Data.Images;

/// <summary>
/// A dataset folder with train/, test/ and optionally validation/ subfolders, each an <see cref="ImageFolder"/>
/// with the same classes (labels follow the training folder's class order in all three).
/// </summary>
public sealed record ImageFolderSplits(ImageFolder Train, ImageFolder? Validation, ImageFolder Test)
{
    public const string TrainFolder = "train";
    public const string ValidationFolder = "validation";
    public const string TestFolder = "test";

    public IReadOnlyList<string> ClassNames => Train.ClassNames;

    /// <summary>Every file left out as unreadable, in all splits.</summary>
    public IReadOnlyList<SkippedImage> Skipped => [.. Train.Skipped, .. Validation?.Skipped ?? [], .. Test.Skipped];

    /// <summary>Every symbolic link to a folder that was not followed, in all splits.</summary>
    public IReadOnlyList<string> IgnoredLinks => [.. Train.IgnoredLinks, .. Validation?.IgnoredLinks ?? [], .. Test.IgnoredLinks];

    /// <summary>
    /// Opens DIR/train, DIR/test and, when it exists, DIR/validation. An unfinished export (see
    /// <see cref="ImageFolderManifest"/>) is refused: it holds only part of its images.
    /// </summary>
    public static ImageFolderSplits Open(string directory, ImageFolderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        options ??= new ImageFolderOptions();
        if (!Directory.Exists(directory))
            throw new DataNotFoundException($"Image folder '{directory}' does not exist.");
        ImageFolderManifest.EnsureComplete(directory);
        foreach (string required in new[] { TrainFolder, TestFolder })
        {
            if (!IsSplitFolder(Path.Combine(directory, required)))
                throw new DataNotFoundException($"Image folder '{directory}' lacks its '{required}' subfolder; expected {TrainFolder}/ and {TestFolder}/ (and optionally {ValidationFolder}/), each with one subfolder per class.");
        }
        var train = ImageFolder.Open(Path.Combine(directory, TrainFolder), options);
        // The other splits must name the same classes, in the training folder's order, or their labels would mean other classes.
        var same = options with { ClassNames = train.ClassNames };
        string validation = Path.Combine(directory, ValidationFolder);
        return new ImageFolderSplits(train,
            IsSplitFolder(validation) ? ImageFolder.Open(validation, same) : null,
            ImageFolder.Open(Path.Combine(directory, TestFolder), same));
    }

    /// <summary>
    /// Whether <paramref name="path"/> is a folder. A symbolic link to one is refused rather than followed or
    /// passed over: links to folders are not followed inside a dataset (see <see cref="ImageFolder"/>), and
    /// leaving out a linked validation/ would silently change the split.
    /// </summary>
    private static bool IsSplitFolder(string path)
    {
        var kind = FileEntry.KindOf(path);
        if (kind == FileKind.SymbolicLink && FileEntry.TargetKindOf(path) == FileKind.Directory)
            throw new DataFormatException(path, "is a symbolic link to a folder, which Tailor does not follow inside an image folder; move or copy the folder it leads to in its place.");
        return kind == FileKind.Directory;
    }

    /// <summary>
    /// The three sets as tensors. Without a validation folder, a seeded random <paramref name="validationFraction"/>
    /// of the training images (kept in their order) validates and the rest trains.
    /// </summary>
    public (LabeledTensors Train, LabeledTensors Validation, LabeledTensors Test) ToTensors(double validationFraction = 0.2, ulong seed = 0)
    {
        var train = Train.ToLabeledTensors();
        var test = Test.ToLabeledTensors();
        if (Validation != null) return (train, Validation.ToLabeledTensors(), test);
        var (trainRows, validationRows) = HoldOut(validationFraction, seed);
        return (Rows(train, trainRows), Rows(train, validationRows), test);
    }

    /// <summary>
    /// The three sets as sources read from disk batch by batch (<see cref="ImageFolderSource"/>), split as
    /// <see cref="ToTensors"/> splits them, so that they give the same samples in the same order;
    /// <paramref name="inputShape"/> reshapes each image for the model (flat for a dense one).
    /// </summary>
    public (ImageFolderSource Train, ImageFolderSource Validation, ImageFolderSource Test) ToSources(double validationFraction = 0.2, ulong seed = 0, int[]? inputShape = null)
    {
        var test = new ImageFolderSource(Test, inputShape: inputShape);
        if (Validation != null) return (new ImageFolderSource(Train, inputShape: inputShape), new ImageFolderSource(Validation, inputShape: inputShape), test);
        var (trainRows, validationRows) = HoldOut(validationFraction, seed);
        return (new ImageFolderSource(Train, trainRows, inputShape), new ImageFolderSource(Train, validationRows, inputShape), test);
    }

    /// <summary>The training folder's rows that train and those that validate, each in folder order.</summary>
    private (int[] Train, int[] Validation) HoldOut(double validationFraction, ulong seed)
    {
        Guard.InRange(validationFraction, 0, 1);
        int count = Train.Count;
        int held = (int)Math.Ceiling(count * validationFraction);
        if (held < 1 || held >= count)
            throw new ArgumentOutOfRangeException(nameof(validationFraction), $"Holding out {validationFraction:P0} of the {count} training images in '{Train.Directory}' leaves {held} to validate and {count - held} to train; both need at least one. Add a {ValidationFolder}/ folder or change the fraction.");
        var order = Enumerable.Range(0, count).ToArray();
        new Rng(seed).Shuffle(order);
        var chosen = new bool[count];
        foreach (int i in order.AsSpan(0, held)) chosen[i] = true;
        return ([.. Enumerable.Range(0, count).Where(i => !chosen[i])], [.. Enumerable.Range(0, count).Where(i => chosen[i])]);
    }

    private static LabeledTensors Rows(LabeledTensors set, int[] rows) =>
        new(set.Images.Gather(rows), [.. rows.Select(r => set.Labels[r])], set.OneHot.Gather(rows));
}
