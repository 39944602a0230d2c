using Tailor.Common;

namespace Tailor.Data.Images;

/// <summary>The order of the images of an <see cref="ImageFolder"/>.</summary>
public enum ImageOrder
{
    /// <summary>Class after class (sorted folder order), each class's files sorted by name: Keras's order before it shuffles.</summary>
    ByClass,
    /// <summary>All files sorted by name across classes, ties broken by class: numbered files keep their numbering's order.</summary>
    ByFileName,
}

/// <summary>What an <see cref="ImageFolder"/> does with a file it cannot decode.</summary>
public enum UnreadableImagePolicy
{
    /// <summary>Stop with an error naming the file.</summary>
    Fail,
    /// <summary>Leave the file out and list it in <see cref="ImageFolder.Skipped"/>.</summary>
    Skip,
}

/// <summary>How an <see cref="ImageFolder"/> reads its images; the defaults give Fashion-MNIST-shaped input.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Model input height in pixels.</summary>
    public int Height { get; init; } = 28;

    /// <summary>Model input width in pixels.</summary>
    public int Width { get; init; } = 28;

    public ColorMode ColorMode { get; init; } = ColorMode.Grayscale;

    public ImageFit Fit { get; init; } = ImageFit.Stretch;

    /// <summary>The gray that transparent pixels and padding become (0, black, as Fashion-MNIST's background).</summary>
    public byte Background { get; init; }

    /// <summary>Class folder names in label order (Keras's class_names); null sorts the subfolders by name.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    public ImageOrder Order { get; init; } = ImageOrder.ByClass;

    public UnreadableImagePolicy OnUnreadable { get; init; } = UnreadableImagePolicy.Fail;

    /// <summary>
    /// Decoded bytes (height x width x channels per image) kept in memory. A folder that fits is decoded
    /// once when opened; a larger one is decoded again batch by batch.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = 1L << 30;

    /// <summary>
    /// Files (each at most 1 MiB) kept in memory as they are on disk, still encoded, by a folder beyond
    /// <see cref="MemoryBudgetBytes"/>: read once when the folder is opened, then decoded from memory for
    /// every batch, as tf.data's cache keeps a dataset's files. 0 reads every file from disk every time.
    /// </summary>
    public long EncodedBudgetBytes { get; init; } = 256L << 20;

    /// <summary>
    /// The most pixels (width x height, from the file's header) an image may declare; a larger one is
    /// refused before it is decoded, as an unreadable file (<see cref="OnUnreadable"/>).
    /// </summary>
    public long MaxImagePixels { get; init; } = ImageDecoder.DefaultMaxPixels;

    public int Channels => ColorMode.Channels();

    public int BytesPerImage => Height * Width * Channels;

    public void Validate()
    {
        Guard.Positive(Height);
        Guard.Positive(Width);
        Guard.NonNegative(MemoryBudgetBytes);
        Guard.NonNegative(EncodedBudgetBytes);
        if (MaxImagePixels <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxImagePixels), $"Received an invalid value for `MaxImagePixels`, expected a positive number of pixels. Received: MaxImagePixels={MaxImagePixels}");
        if (!Enum.IsDefined(Fit)) throw new ArgumentOutOfRangeException(nameof(Fit), $"Unknown fit {Fit}; expected Stretch, Pad or Crop.");
        if (!Enum.IsDefined(ColorMode)) throw new ArgumentOutOfRangeException(nameof(ColorMode), $"Unknown color mode {ColorMode}; expected Grayscale or Rgb.");
        if (ClassNames is { } names)
        {
            if (names.Count == 0) throw new ArgumentException("ClassNames is empty; give the class folder names in label order, or null to sort them.", nameof(ClassNames));
            var duplicate = names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate != null) throw new ArgumentException($"ClassNames lists '{duplicate.Key}' more than once.", nameof(ClassNames));
        }
    }
}
