using System.Globalization;
using System.Text.Json;
using Tailor.Common;
using Tailor.Threading;

namespace Tailor.Data.Images;

/// <summary>
/// Fashion-MNIST as image folders: DIR/train, DIR/validation and DIR/test, one subfolder per class, one
/// file per image. A file's name is its position in the sample (00000.png, 00001.png, ...), zero-padded
/// so that name order is sample order: an <see cref="ImageFolder"/> read <see cref="ImageOrder.ByFileName"/>
/// gives back the images in exactly the order <see cref="FashionSample"/> draws them.
/// </summary>
public static class FashionMnistImages
{
    /// <summary>The manifest written beside the splits: format, seed, and each file's index in the IDX file.</summary>
    public const string ManifestName = "export.json";

    /// <summary>The largest manifest read: a full export's is about 0.5 MB.</summary>
    private const long MaxManifestBytes = 64 << 20;

    /// <summary>Class folder names by label: the catalogue's names, with '/' (not allowed in a folder name) as '_'.</summary>
    public static IReadOnlyList<string> FolderNames { get; } = [.. FashionMnist.ClassNames.Select(n => n.Replace('/', '_'))];

    /// <summary>
    /// <see cref="FolderNames"/> when <paramref name="splitDirectory"/>'s subfolders are exactly those (so that
    /// labels are the catalogue's, not those of the folders' alphabetical order), otherwise null.
    /// </summary>
    public static IReadOnlyList<string>? ClassOrderOf(string splitDirectory)
    {
        if (!Directory.Exists(splitDirectory)) return null;
        var found = Directory.GetDirectories(splitDirectory).Select(d => Path.GetFileName(d)).Where(n => !n.StartsWith('.')).ToHashSet(StringComparer.Ordinal);
        return found.SetEquals(FolderNames) ? FolderNames : null;
    }

    /// <summary>The sample an export was drawn as, from its manifest; null when <paramref name="directory"/> has none.</summary>
    public static FashionSampleOptions? ReadSampleOptions(string directory)
    {
        string path = Path.Combine(directory, ManifestName);
        if (!File.Exists(path)) return null;
        byte[] bytes;
        try { bytes = InputFile.ReadAllBytes(path, "an export manifest", MaxManifestBytes); }
        catch (InputFileException e) { throw new DataFormatException(path, e.Problem, e); }
        try
        {
            // As File.ReadAllText did, a UTF-8 byte order mark is passed over.
            using var json = JsonDocument.Parse(bytes.AsMemory(bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0));
            var root = json.RootElement;
            static int? Count(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetInt32() : null;
            return new FashionSampleOptions
            {
                Seed = root.GetProperty("seed").GetUInt64(),
                TrainCount = Count(root.GetProperty("train_count")),
                TestCount = Count(root.GetProperty("test_count")),
                ValidationCount = root.GetProperty("validation_count").GetInt32(),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DataFormatException(path, $"is not an export manifest of tailor data export: {e.Message}", e);
        }
    }

    /// <summary>The file name of the image at <paramref name="position"/> of a split of <paramref name="count"/> images.</summary>
    public static string FileName(int position, int count, ImageFileFormat format)
    {
        int digits = Math.Max(5, (count - 1).ToString(CultureInfo.InvariantCulture).Length);
        return position.ToString(new string('0', digits), CultureInfo.InvariantCulture) + Extension(format);
    }

    public static string Extension(ImageFileFormat format) => format == ImageFileFormat.Png ? ".png" : ".jpg";

    /// <summary>
    /// Writes the sample's validation, training and test images under <paramref name="directory"/>, each file
    /// atomically, and the manifest last. Refuses a folder whose split subfolders already hold files, so
    /// that images of an earlier export cannot mix in. Returns the number of images written.
    /// </summary>
    public static int Export(FashionMnistDataset dataset, FashionSample sample, string directory, ImageFileFormat format,
        int quality = 95, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(directory);
        if (quality is < 1 or > 100)
            throw new ArgumentOutOfRangeException(nameof(quality), $"Received an invalid value for `quality`, expected 1 to 100. Received: quality={quality}");

        int validation = sample.Options.ValidationCount;
        var splits = new (string Folder, ImageSet Set, int[] Indices)[]
        {
            (ImageFolderSplits.TrainFolder, dataset.Train, [.. sample.TrainIndices.Skip(validation)]),
            (ImageFolderSplits.ValidationFolder, dataset.Train, [.. sample.TrainIndices.Take(validation)]),
            (ImageFolderSplits.TestFolder, dataset.Test, [.. sample.TestIndices]),
        };
        foreach (var (folder, _, _) in splits)
        {
            string path = Path.Combine(directory, folder);
            if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
                throw new IOException($"'{Path.GetFullPath(path)}' already holds files; export into a new or empty folder so that no earlier images mix in.");
        }

        int written = 0;
        foreach (var (folder, set, indices) in splits)
        {
            foreach (string name in FolderNames) Directory.CreateDirectory(Path.Combine(directory, folder, name));
            Parallel.For(0, indices.Length, new ParallelOptions { MaxDegreeOfParallelism = WorkerPool.Threads }, position =>
            {
                int index = indices[position];
                string path = Path.Combine(directory, folder, FolderNames[set.Labels[index]], FileName(position, indices.Length, format));
                AtomicFile.WriteAllBytes(path, ImageEncoder.EncodeGray(set.Image(index), set.Height, set.Width, format, quality));
                int done = Interlocked.Increment(ref written);
                progress?.Report(done);
            });
        }
        AtomicFile.WriteAllText(Path.Combine(directory, ManifestName), Manifest(sample, format, quality, splits));
        return written;
    }

    private static string Manifest(FashionSample sample, ImageFileFormat format, int quality, (string Folder, ImageSet Set, int[] Indices)[] splits) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["dataset"] = "Fashion-MNIST",
            ["format"] = format.ToString().ToLowerInvariant(),
            ["jpeg_quality"] = format == ImageFileFormat.Jpeg ? quality : null,
            ["seed"] = sample.Options.Seed,
            ["train_count"] = sample.Options.TrainCount as object ?? "all",
            ["test_count"] = sample.Options.TestCount as object ?? "all",
            ["validation_count"] = sample.Options.ValidationCount,
            ["class_folders"] = FolderNames,
            ["note"] = "File names are positions in the sample; idx_indices[split][position] is the image's index in the IDX file (train for train and validation, t10k for test).",
            ["idx_indices"] = splits.ToDictionary(s => s.Folder, s => s.Indices),
        }) + "\n";
}
