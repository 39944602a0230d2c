using Tailor.Common;

namespace Tailor.Data.Images;

/// <summary>
/// A stand-in for a user's own photos: Fashion-MNIST test images of a few classes, coloured, brought to
/// another size and written in a mix of PNG, JPEG and WebP files as DIR/train and DIR/test, one subfolder per
/// class. Each image gets its own random garment and background colours, drawn from the seed whatever its
/// class, so that colour tells nothing about the class and a model must learn shapes.
/// </summary>
public static class ColorFashionFolder
{
    /// <summary>The formats, in the order the files of a class take them.</summary>
    public static IReadOnlyList<ImageFileFormat> Formats { get; } = [ImageFileFormat.Png, ImageFileFormat.Jpeg, ImageFileFormat.Webp];

    /// <summary>
    /// Writes the images of <paramref name="classes"/> (Fashion-MNIST class names, any case) from the test file,
    /// the first (1 - <paramref name="testFraction"/>) of each class to train/, the rest to test/; at most
    /// <paramref name="perClass"/> per class when given. Refuses a folder that already holds files. Returns the
    /// number of files written.
    /// </summary>
    public static int Write(FashionMnistDataset dataset, IReadOnlyList<string> classes, int height, int width, string directory,
        ulong seed = 0, double testFraction = 0.2, int? perClass = null, int quality = 90)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(directory);
        Guard.Positive(height);
        Guard.Positive(width);
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"Received an invalid value for `testFraction`, expected a number in (0, 1). Received: testFraction={testFraction}");
        if (perClass is int p) Guard.Positive(p, nameof(perClass));
        int[] labels = [.. classes.Select(LabelOf)];
        if (labels.Length < 2 || labels.Distinct().Count() != labels.Length)
            throw new ArgumentException($"Give two or more different classes; received {string.Join(", ", classes)}.", nameof(classes));
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            throw new IOException($"'{Path.GetFullPath(directory)}' already holds files; write into a new or empty folder so that no other images mix in.");

        var set = dataset.Test;
        var jobs = new List<(int Index, string Path, ImageFileFormat Format)>();
        foreach (int label in labels)
        {
            int[] indices = [.. Enumerable.Range(0, set.Count).Where(i => set.Labels[i] == label).Take(perClass ?? int.MaxValue)];
            int test = Math.Max(1, (int)Math.Round(indices.Length * testFraction));
            for (int k = 0; k < indices.Length; k++)
            {
                string split = k < indices.Length - test ? ImageFolderSplits.TrainFolder : ImageFolderSplits.TestFolder;
                var format = Formats[k % Formats.Count];
                string name = FashionMnistImages.FileName(k, indices.Length, format);
                jobs.Add((indices[k], Path.Combine(directory, split, FashionMnistImages.FolderNames[label], name), format));
            }
        }
        foreach (string folder in jobs.Select(j => Path.GetDirectoryName(j.Path)!).Distinct()) Directory.CreateDirectory(folder);
        Parallel.For(0, jobs.Count, new ParallelOptions { MaxDegreeOfParallelism = Threading.WorkerPool.Threads }, j =>
        {
            var (index, path, format) = jobs[j];
            var rgb = Colorize(set.Image(index), set.Height, set.Width, height, width, new Rng(seed ^ (0x9E3779B97F4A7C15UL * (ulong)(index + 1))));
            AtomicFile.WriteAllBytes(path, ImageEncoder.EncodeRgb(rgb, height, width, format, quality));
        });
        return jobs.Count;
    }

    /// <summary>
    /// A gray image (a light garment on black) as RGB pixels of the given size: each pixel a blend of a random
    /// background colour and a random garment colour by its gray level.
    /// </summary>
    internal static byte[] Colorize(ReadOnlySpan<byte> gray, int sourceHeight, int sourceWidth, int height, int width, Rng rng)
    {
        Span<int> background = stackalloc int[3], garment = stackalloc int[3];
        for (int c = 0; c < 3; c++)
        {
            background[c] = rng.NextInt(256);
            garment[c] = rng.NextInt(256);
        }
        // The garment must stand out: push it away from the background where a draw put them close.
        for (int c = 0; c < 3; c++)
            if (Math.Abs(garment[c] - background[c]) < 96) garment[c] = background[c] < 128 ? Math.Min(255, background[c] + 128) : background[c] - 128;
        var rgba = new byte[4 * sourceHeight * sourceWidth];
        for (int i = 0; i < gray.Length; i++)
        {
            for (int c = 0; c < 3; c++) rgba[4 * i + c] = (byte)((background[c] * (255 - gray[i]) + garment[c] * gray[i] + 127) / 255);
            rgba[4 * i + 3] = 255;
        }
        var resized = ImagePreprocessing.Resize(new RgbaImage(sourceWidth, sourceHeight, rgba), width, height, ImageFit.Stretch);
        var rgb = new byte[3 * height * width];
        ImagePreprocessing.ToChannels(resized, ColorMode.Rgb, rgb);
        return rgb;
    }

    private static int LabelOf(string name)
    {
        for (int label = 0; label < FashionMnist.NumClasses; label++)
            if (string.Equals(name.Trim(), FashionMnist.ClassNames[label], StringComparison.OrdinalIgnoreCase)
                || string.Equals(name.Trim(), FashionMnistImages.FolderNames[label], StringComparison.OrdinalIgnoreCase))
                return label;
        throw new ArgumentException($"Unknown class '{name}'. Fashion-MNIST's classes: {string.Join(", ", FashionMnist.ClassNames)}.");
    }
}
