namespace Tailor.Data;

/// <summary>
/// The Fashion-MNIST catalogue (Zalando Research, MIT licence): class names, file names, where the
/// files are published and their checksums, and <see cref="Load"/>, which reads and checks them.
/// </summary>
public static class FashionMnist
{
    public const int ImageHeight = 28;
    public const int ImageWidth = 28;
    public const int NumClasses = 10;
    public const int TrainCount = 60_000;
    public const int TestCount = 10_000;

    /// <summary>Class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ];

    // Official MD5s as published in the Fashion-MNIST README; SHA-256s from data/fashion/SHA256SUMS.
    public static FashionMnistFile TrainImages { get; } = new("train-images-idx3-ubyte.gz",
        "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "9bed1b6098baf56dd09b29100ae30832472f9bca426593e1eb06c19f976177d3");

    public static FashionMnistFile TrainLabels { get; } = new("train-labels-idx1-ubyte.gz",
        "25c81989df183df01b3e8a0aad5dffbe", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845");

    public static FashionMnistFile TestImages { get; } = new("t10k-images-idx3-ubyte.gz",
        "bef4ecab320f06d8554ea6380940ec79", "989de229230f60363cc79ad2f1a7c135e293aca57932ee967630af8565bede1b");

    public static FashionMnistFile TestLabels { get; } = new("t10k-labels-idx1-ubyte.gz",
        "bb300cfdad3c16e7a12a480ee83cd310", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5");

    public static IReadOnlyList<FashionMnistFile> Files { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>Folders the four files are published in, tried in this order by the downloader.</summary>
    public static IReadOnlyList<Uri> DownloadMirrors { get; } =
    [
        new("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
        new("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
    ];

    /// <summary>The official download address of <paramref name="file"/>.</summary>
    public static Uri OfficialUrl(FashionMnistFile file) => new(DownloadMirrors[0], file.Name);

    /// <summary>Whether <paramref name="directory"/> holds all four files (by name; contents are checked by <see cref="Load"/>).</summary>
    public static bool IsComplete(string directory) => MissingFiles(directory).Count == 0;

    /// <summary>Names of the four files that <paramref name="directory"/> lacks.</summary>
    public static IReadOnlyList<string> MissingFiles(string directory) =>
        [.. Files.Where(f => !File.Exists(Path.Combine(directory, f.Name))).Select(f => f.Name)];

    /// <summary>
    /// Reads the four files from <paramref name="directory"/> and checks them: 28x28 images, as many
    /// images as labels in each set, every label a class from 0 to 9.
    /// </summary>
    public static FashionMnistDataset Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            throw new DataNotFoundException($"Fashion-MNIST folder '{directory}' does not exist.");
        var missing = MissingFiles(directory);
        if (missing.Count > 0)
            throw new DataNotFoundException($"Fashion-MNIST folder '{directory}' lacks {string.Join(", ", missing)}.");

        return new FashionMnistDataset(
            LoadSet(Path.Combine(directory, TrainImages.Name), Path.Combine(directory, TrainLabels.Name)),
            LoadSet(Path.Combine(directory, TestImages.Name), Path.Combine(directory, TestLabels.Name)));
    }

    private static ImageSet LoadSet(string imagesPath, string labelsPath)
    {
        IdxArray images = IdxReader.Read(imagesPath, expectedRank: 3);
        IdxArray labels = IdxReader.Read(labelsPath, expectedRank: 1);

        if (images.Dim(1) != ImageHeight || images.Dim(2) != ImageWidth)
            throw new DataFormatException(imagesPath, $"expected images of {ImageHeight} x {ImageWidth} pixels, found {images.Dim(1)} x {images.Dim(2)}.");
        if (images.Dim(0) != labels.Dim(0))
            throw new DataFormatException(imagesPath, $"holds {images.Dim(0)} images, but {labelsPath} holds {labels.Dim(0)} labels; expected one label per image.");

        byte[] values = labels.Data;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] >= NumClasses)
                throw new DataFormatException(labelsPath, $"expected labels from 0 to {NumClasses - 1}, found {values[i]} at index {i}.");
        }
        return new ImageSet(images.Data, labels.Data, ImageHeight, ImageWidth);
    }
}
