using System.Globalization;
using System.Security.Cryptography;
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
    public const string ManifestName = ImageFolderManifest.CompleteName;

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

    public static string Extension(ImageFileFormat format) => format switch
    {
        ImageFileFormat.Png => ".png",
        ImageFileFormat.Webp => ".webp",
        _ => ".jpg",
    };

    /// <summary>
    /// Written first and removed last by <see cref="Export"/>: a folder holding it without <see cref="ManifestName"/>
    /// is an unfinished export, which <see cref="ImageFolderSplits.Open"/> refuses and the same export resumes.
    /// It holds the manifest to come and a fingerprint of the images, so that only the same export resumes it.
    /// </summary>
    public const string PartialManifestName = ImageFolderManifest.PartialName;

    /// <summary>
    /// Writes the sample's validation, training and test images under <paramref name="directory"/>, each file
    /// atomically: first <see cref="PartialManifestName"/>, then the images, then the manifest, then the partial
    /// manifest is removed. Refuses a folder whose split subfolders already hold files, so that images of an
    /// earlier export cannot mix in, unless it is an unfinished export of the same images, format and quality:
    /// that one is resumed (the images already there are kept, hidden temporary files of an interrupted write
    /// removed). When <paramref name="cancellationToken"/> is cancelled, the images being written are finished
    /// and an <see cref="OperationInterruptedException"/> says how many are kept. Returns the number of images in the export.
    /// </summary>
    public static int Export(FashionMnistDataset dataset, FashionSample sample, string directory, ImageFileFormat format,
        int quality = 95, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
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
        var manifest = Manifest(sample, format, quality, splits);
        var partial = new Dictionary<string, object?>(manifest) { [FingerprintKey] = Fingerprint(splits) };
        string partialPath = Path.Combine(directory, PartialManifestName);
        bool resuming = File.Exists(partialPath) && !File.Exists(Path.Combine(directory, ManifestName));
        if (resuming) EnsureSameExport(directory, partialPath, partial);
        else
        {
            foreach (var (folder, _, _) in splits)
            {
                string path = Path.Combine(directory, folder);
                if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
                    throw new IOException($"'{Path.GetFullPath(path)}' already holds files; export into a new or empty folder so that no earlier images mix in.");
            }
            AtomicFile.WriteAllText(partialPath, JsonSerializer.Serialize(partial) + "\n");
        }

        int done = 0, total = splits.Sum(s => s.Indices.Length);
        try
        {
            foreach (var (folder, set, indices) in splits)
            {
                foreach (string name in FolderNames)
                {
                    string classFolder = Path.Combine(directory, folder, name);
                    Directory.CreateDirectory(classFolder);
                    if (resuming) DeleteTemporaryFiles(classFolder);
                }
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = WorkerPool.Threads, CancellationToken = cancellationToken };
                Parallel.For(0, indices.Length, parallel, position =>
                {
                    int index = indices[position];
                    string path = Path.Combine(directory, folder, FolderNames[set.Labels[index]], FileName(position, indices.Length, format));
                    // Every file present was written whole (atomically) by the interrupted export of the same images.
                    if (!resuming || !File.Exists(path))
                        AtomicFile.WriteAllBytes(path, ImageEncoder.EncodeGray(set.Image(index), set.Height, set.Width, format, quality));
                    int count = Interlocked.Increment(ref done);
                    progress?.Report(count);
                });
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationInterruptedException(
                $"Interrupted after {done:N0} of {total:N0} images; they are kept in '{Path.GetFullPath(directory)}', which has no {ManifestName} yet, so no reader takes it. " +
                "Run the same command again to finish the export.", cancellationToken);
        }
        if (resuming) DeleteTemporaryFiles(directory);
        AtomicFile.WriteAllText(Path.Combine(directory, ManifestName), JsonSerializer.Serialize(manifest) + "\n");
        File.Delete(partialPath);
        return total;
    }

    private const string FingerprintKey = "images_sha256";

    /// <summary>The partial manifest's settings under the options that set them, for the message when they differ.</summary>
    private static readonly (string Key, string Option)[] ExportSettings =
    [
        ("format", "--format"), ("jpeg_quality", "--quality"), ("seed", "--sample-seed"), ("train_count", "--train-images"),
        ("test_count", "--test-images"), ("validation_count", "--validation-images"), (FingerprintKey, "images (--data)"),
    ];

    private static void EnsureSameExport(string directory, string partialPath, Dictionary<string, object?> partial)
    {
        Dictionary<string, string> before;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(partialPath));
            before = json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText());
        }
        catch (JsonException e)
        {
            throw new DataFormatException(partialPath, $"is not the partial manifest of an export: {e.Message}", e);
        }
        using var now = JsonDocument.Parse(JsonSerializer.Serialize(partial));
        var differences = new List<string>();
        foreach (var (key, option) in ExportSettings)
        {
            string current = now.RootElement.GetProperty(key).GetRawText();
            if (!before.TryGetValue(key, out string? earlier)) differences.Add($"{option}: not recorded");
            // Other counts or seed draw other images anyway; the fingerprint is news only when they agree.
            else if (earlier != current && (key != FingerprintKey || differences.Count == 0))
                differences.Add(key == FingerprintKey ? $"{option}: other images" : $"{option}: {earlier} before, {current} now");
        }
        if (differences.Count > 0)
            throw new IOException(
                $"'{Path.GetFullPath(directory)}' holds an unfinished export of other settings ({string.Join("; ", differences)}). " +
                "Run that export again to finish it, or export into a new or empty folder.");
    }

    /// <summary>Removes the hidden temporary files that an interrupted atomic write leaves in <paramref name="folder"/>.</summary>
    private static void DeleteTemporaryFiles(string folder)
    {
        foreach (string file in Directory.EnumerateFiles(folder, ".*.tmp")) File.Delete(file);
    }

    /// <summary>A SHA-256 of the pixels of every image to export, in export order.</summary>
    private static string Fingerprint((string Folder, ImageSet Set, int[] Indices)[] splits)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (_, set, indices) in splits)
            foreach (int index in indices) hash.AppendData(set.Image(index));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static Dictionary<string, object?> Manifest(FashionSample sample, ImageFileFormat format, int quality, (string Folder, ImageSet Set, int[] Indices)[] splits) =>
        new()
        {
            ["dataset"] = "Fashion-MNIST",
            ["format"] = format.ToString().ToLowerInvariant(),
            ["jpeg_quality"] = format == ImageFileFormat.Png ? null : quality,
            ["seed"] = sample.Options.Seed,
            ["train_count"] = sample.Options.TrainCount as object ?? "all",
            ["test_count"] = sample.Options.TestCount as object ?? "all",
            ["validation_count"] = sample.Options.ValidationCount,
            ["class_folders"] = FolderNames,
            ["note"] = "File names are positions in the sample; idx_indices[split][position] is the image's index in the IDX file (train for train and validation, t10k for test).",
            ["idx_indices"] = splits.ToDictionary(s => s.Folder, s => s.Indices),
        };
}
