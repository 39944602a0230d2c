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

    /// <summary>
    /// Opens DIR/train, DIR/test and, when it exists, DIR/validation. An unfinished `tailor data export`
    /// (see <see cref="FashionMnistImages.PartialManifestName"/>) is refused: it holds only part of its images.
    /// </summary>
    public static ImageFolderSplits Open(string directory, ImageFolderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        options ??= new ImageFolderOptions();
        if (!Directory.Exists(directory))
            throw new DataNotFoundException($"Image folder '{directory}' does not exist.");
        FashionMnistImages.EnsureComplete(directory);
        foreach (string required in new[] { TrainFolder, TestFolder })
        {
            if (!Directory.Exists(Path.Combine(directory, required)))
                throw new DataNotFoundException($"Image folder '{directory}' lacks its '{required}' subfolder; expected {TrainFolder}/ and {TestFolder}/ (and optionally {ValidationFolder}/), each with one subfolder per class.");
        }
        var train = ImageFolder.Open(Path.Combine(directory, TrainFolder), options);
        // The other splits must name the same classes, in the training folder's order, or their labels would mean other classes.
        var same = options with { ClassNames = train.ClassNames };
        string validation = Path.Combine(directory, ValidationFolder);
        return new ImageFolderSplits(train,
            Directory.Exists(validation) ? ImageFolder.Open(validation, same) : null,
            ImageFolder.Open(Path.Combine(directory, TestFolder), same));
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

        Guard.InRange(validationFraction, 0, 1);
        int held = (int)Math.Ceiling(train.Count * validationFraction);
        if (held < 1 || held >= train.Count)
            throw new ArgumentOutOfRangeException(nameof(validationFraction), $"Holding out {validationFraction:P0} of the {train.Count} training images in '{Train.Directory}' leaves {held} to validate and {train.Count - held} to train; both need at least one. Add a {ValidationFolder}/ folder or change the fraction.");
        var order = Enumerable.Range(0, train.Count).ToArray();
        new Rng(seed).Shuffle(order);
        var chosen = new bool[train.Count];
        foreach (int i in order.AsSpan(0, held)) chosen[i] = true;
        int[] validationRows = [.. Enumerable.Range(0, train.Count).Where(i => chosen[i])];
        int[] trainRows = [.. Enumerable.Range(0, train.Count).Where(i => !chosen[i])];
        return (Rows(train, trainRows), Rows(train, validationRows), test);
    }

    private static LabeledTensors Rows(LabeledTensors set, int[] rows) =>
        new(set.Images.Gather(rows), [.. rows.Select(r => set.Labels[r])], set.OneHot.Gather(rows));
}
