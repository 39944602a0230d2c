using System.IO.Enumeration;
using Tailor.Common;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Data.Images;

/// <summary>
/// A labelled image dataset read from a folder with one subfolder per class, as Keras's
/// <c>image_dataset_from_directory</c>: classes are the subfolders (sorted by name unless
/// <see cref="ImageFolderOptions.ClassNames"/> gives their order), images are the files with an image
/// extension inside them (subfolders included), sorted by name. Each image is decoded, fitted to the
/// model's size and converted to its channels; a folder within the memory budget is decoded once, when
/// opened, and kept as bytes; a larger one is decoded again for every batch.
/// A symbolic link to a file is read as that file; a link to a folder is never followed, whether it stands
/// for a class folder or sits inside one (as Keras's default <c>follow_links=False</c> does inside class
/// folders), but listed in <see cref="IgnoredLinks"/>: a dataset can neither loop (<c>ln -s .. loop</c>) nor
/// reach outside its folder. A FIFO, device or socket with an image's name is listed and refused when read (see
/// <see cref="InputFile"/>), as any file that cannot be decoded.
/// </summary>
public sealed class ImageFolder
{
    private readonly string[] _files;
    private readonly int[] _labels;
    private readonly byte[]? _cache;
    private readonly byte[]?[] _encoded;

    private ImageFolder(string directory, ImageFolderOptions options, IReadOnlyList<string> classNames,
        string[] files, int[] labels, byte[]? cache, byte[]?[] encoded, IReadOnlyList<SkippedImage> skipped, IReadOnlyList<string> ignoredLinks)
    {
        _encoded = encoded;
        EncodedBytes = encoded.Sum(f => (long)(f?.Length ?? 0));
        Directory = directory;
        Options = options;
        ClassNames = classNames;
        _files = files;
        _labels = labels;
        _cache = cache;
        Skipped = skipped;
        IgnoredLinks = ignoredLinks;
    }

    public string Directory { get; }

    public ImageFolderOptions Options { get; }

    /// <summary>Class folder names, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The image files, in dataset order.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>The label of each file, in dataset order.</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <summary>Files left out under <see cref="UnreadableImagePolicy.Skip"/>, in dataset order.</summary>
    public IReadOnlyList<SkippedImage> Skipped { get; }

    /// <summary>Symbolic links to folders found among the class folders and inside them, which were not followed, sorted.</summary>
    public IReadOnlyList<string> IgnoredLinks { get; }

    public int Count => _files.Length;

    /// <summary>Whether the decoded images are held in memory (the folder fits the budget).</summary>
    public bool IsCached => _cache != null;

    /// <summary>
    /// The bytes of files held as they are on disk, still encoded, in a folder that is not decoded whole
    /// (<see cref="ImageFolderOptions.EncodedBudgetBytes"/>): read once, when the headers are checked, they are
    /// decoded from memory for every batch after.
    /// </summary>
    public long EncodedBytes { get; }

    /// <summary>Per-sample shape: (height, width, channels).</summary>
    public int[] SampleShape => [Options.Height, Options.Width, Options.Channels];

    /// <summary>Lists and, within the memory budget, decodes the folder.</summary>
    public static ImageFolder Open(string directory, ImageFolderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        options ??= new ImageFolderOptions();
        options.Validate();
        if (!System.IO.Directory.Exists(directory))
            throw new DataNotFoundException($"Image folder '{directory}' does not exist.");

        var links = new List<string>();
        var classNames = ClassFolders(directory, options.ClassNames, links);
        var (files, labels) = ListImages(directory, classNames, options.Order, links);
        long bytes = (long)files.Length * options.BytesPerImage;
        bool cache = bytes <= options.MemoryBudgetBytes;

        // Within the budget every image is decoded now; beyond it only the headers are read, so a file
        // that is not an image at all is still found before training starts. Small files read for their header
        // are kept whole, within their own budget, so that batches decode them without opening them again.
        var pixels = cache ? new byte[bytes] : null;
        var encoded = new byte[]?[files.Length];
        long encodedBytes = 0;
        var errors = new string?[files.Length];
        Parallel.For(0, files.Length, new ParallelOptions { MaxDegreeOfParallelism = WorkerPool.Threads }, i =>
        {
            try
            {
                if (pixels != null) Read(files[i], options, pixels.AsSpan(i * options.BytesPerImage, options.BytesPerImage));
                else if (Interlocked.Read(ref encodedBytes) < options.EncodedBudgetBytes
                    && ImageDecoder.ReadSmallFile(files[i], ImageDecoder.WholeFileBytes) is { } file)
                {
                    ImageDecoder.ReadHeader(file, files[i], options.MaxImagePixels);
                    if (Interlocked.Add(ref encodedBytes, file.Length) <= options.EncodedBudgetBytes) encoded[i] = file;
                    else Interlocked.Add(ref encodedBytes, -file.Length);
                }
                else ImageDecoder.ReadSize(files[i], options.MaxImagePixels);
            }
            catch (DataFormatException e) { errors[i] = e.Message; }
        });

        var skipped = new List<SkippedImage>();
        for (int i = 0; i < files.Length; i++)
        {
            if (errors[i] is not { } error) continue;
            if (options.OnUnreadable == UnreadableImagePolicy.Fail) throw new DataFormatException(files[i], Reason(files[i], error));
            skipped.Add(new SkippedImage(files[i], Reason(files[i], error)));
        }
        if (skipped.Count > 0)
        {
            var keep = Enumerable.Range(0, files.Length).Where(i => errors[i] == null).ToArray();
            pixels = pixels == null ? null : Compact(pixels, keep, options.BytesPerImage);
            encoded = [.. keep.Select(i => encoded[i])];
            files = [.. keep.Select(i => files[i])];
            labels = [.. keep.Select(i => labels[i])];
        }
        if (files.Length == 0)
            throw new DataFormatException(directory, $"holds no image that could be decoded ({skipped.Count} skipped).");
        EnsureEveryClassHasImages(directory, classNames, labels, skipped);
        return new ImageFolder(directory, options, classNames, files, labels, pixels, encoded, skipped, [.. links.Order(StringComparer.Ordinal)]);
    }

    /// <summary>Decodes <paramref name="path"/> and writes its model pixels (height x width x channels bytes).</summary>
    public static void Read(string path, ImageFolderOptions options, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        if (destination.Length != options.BytesPerImage)
            throw new ArgumentException($"A {options.Height} x {options.Width} image with {options.Channels} channel(s) needs {options.BytesPerImage} bytes, the destination holds {destination.Length}.", nameof(destination));
        ImageDecoder.DecodeInto(path, options, destination);
    }

    /// <summary>All images as an (N, height, width, channels) tensor in [0, 1] (decoded now when not cached).</summary>
    public Tensor ToTensor()
    {
        var tensor = new Tensor([Count, .. SampleShape]);
        FillImages(0, Count, tensor.Span);
        return tensor;
    }

    /// <summary>All images with their labels, integer and one-hot over <see cref="ClassNames"/>.</summary>
    public LabeledTensors ToLabeledTensors() =>
        new(ToTensor(), [.. _labels], Categorical.ToCategorical(_labels, ClassNames.Count));

    /// <summary>
    /// The images in order, <paramref name="batchSize"/> at a time (the last batch may be smaller), decoded
    /// batch by batch when the folder is not cached. The tensors are reused from one batch to the next:
    /// copy what must outlive the step.
    /// </summary>
    public IEnumerable<LabeledTensors> Batches(int batchSize)
    {
        Common.Guard.Positive(batchSize);
        int size = Math.Min(batchSize, Count);
        var images = new Tensor([size, .. SampleShape]);
        var oneHot = new Tensor(size, ClassNames.Count);
        for (int start = 0; start < Count; start += batchSize)
        {
            int count = Math.Min(batchSize, Count - start);
            images.SetBatch(count);
            oneHot.SetBatch(count);
            FillImages(start, count, images.Span);
            var labels = _labels.AsSpan(start, count).ToArray();
            oneHot.Span.Clear();
            for (int i = 0; i < count; i++) oneHot.Span[i * ClassNames.Count + labels[i]] = 1f;
            yield return new LabeledTensors(images, labels, oneHot);
        }
    }

    /// <summary>Writes images [start, start + count) as floats in [0, 1] into <paramref name="destination"/>.</summary>
    public void FillImages(int start, int count, Span<float> destination)
    {
        int size = Options.BytesPerImage;
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"Images [{start}, {start + count}) are outside the {Count} images of '{Directory}'.");
        if (destination.Length < count * size)
            throw new ArgumentException($"{count} images need {count * size} values, the destination holds {destination.Length}.", nameof(destination));
        if (_cache != null)
        {
            PixelScaling.ToUnitRange(_cache.AsSpan(start * size, count * size), destination);
            return;
        }
        var bytes = new byte[count * size];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = WorkerPool.Threads },
            i => ReadImage(start + i, bytes.AsSpan(i * size, size)));
        PixelScaling.ToUnitRange(bytes, destination);
    }

    /// <summary>Decodes image <paramref name="index"/> into model bytes: from its file held in memory when there is one.</summary>
    internal void ReadImage(int index, Span<byte> destination)
    {
        if (_encoded[index] is { } file) ImageDecoder.DecodeInto(file, _files[index], Options, destination);
        else Read(_files[index], Options, destination);
    }

    private static IReadOnlyList<string> ClassFolders(string directory, IReadOnlyList<string>? requested, List<string> links)
    {
        var folders = new List<string>();
        var linked = new List<string>();
        foreach (var (path, kind) in Entries(directory))
        {
            if (Path.GetFileName(path).StartsWith('.')) continue;
            if (kind == EntryKind.Folder) folders.Add(Path.GetFileName(path));
            else if (kind == EntryKind.FolderLink) { links.Add(path); linked.Add(Path.GetFileName(path)); }
        }
        string[] found = [.. folders.Order(StringComparer.Ordinal)];
        string linkNote = linked.Count == 0 ? "" : $" ({Quote(linked)} {(linked.Count == 1 ? "is a symbolic link" : "are symbolic links")} to a folder, which Tailor does not follow inside an image folder)";
        if (found.Length == 0)
            throw new DataFormatException(directory, $"holds no class subfolders{linkNote}; expected one subfolder per class with its images, e.g. cat/001.jpg, dog/001.jpg.");
        if (requested is null) return found;

        var missing = requested.Where(n => !found.Contains(n, StringComparer.Ordinal)).ToArray();
        var extra = found.Where(n => !requested.Contains(n, StringComparer.Ordinal)).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
            throw new DataFormatException(directory,
                $"expected the class subfolders {Quote(requested)}, found {Quote(found)}" +
                (missing.Length > 0 ? $"; missing {Quote(missing)}" : "") + (extra.Length > 0 ? $"; unexpected {Quote(extra)}" : "") + linkNote + ".");
        return [.. requested];
    }

    private static (string[] Files, int[] Labels) ListImages(string directory, IReadOnlyList<string> classNames, ImageOrder order, List<string> links)
    {
        var entries = new List<(string Name, int Label, string Path)>();
        for (int label = 0; label < classNames.Count; label++)
        {
            string classFolder = Path.Combine(directory, classNames[label]);
            foreach (string path in ImagesUnder(classFolder, links))
                entries.Add((Path.GetRelativePath(classFolder, path), label, path));
        }
        if (entries.Count == 0)
            throw new DataFormatException(directory, $"holds no images in its class subfolders; expected files ending in {string.Join(", ", ImageDecoder.Extensions)}.");

        var sorted = order == ImageOrder.ByClass
            ? entries.OrderBy(e => e.Label).ThenBy(e => e.Name, StringComparer.Ordinal)
            : entries.OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.Label);
        var list = sorted.ToArray();
        return ([.. list.Select(e => e.Path)], [.. list.Select(e => e.Label)]);
    }

    /// <summary>
    /// The files with an image extension in <paramref name="folder"/> and its subfolders, hidden files left
    /// out (they include the temporary files of writes in progress). Links to folders are not followed but
    /// added to <paramref name="links"/>; anything else with an image's name is listed, to be read or refused.
    /// </summary>
    private static IEnumerable<string> ImagesUnder(string folder, List<string> links)
    {
        foreach (var (path, kind) in Entries(folder))
        {
            switch (kind)
            {
                case EntryKind.Folder:
                    foreach (string file in ImagesUnder(path, links)) yield return file;
                    break;
                case EntryKind.FolderLink:
                    links.Add(path);
                    break;
                default:
                    if (!Path.GetFileName(path).StartsWith('.') && ImageDecoder.HasImageExtension(path)) yield return path;
                    break;
            }
        }
    }

    private enum EntryKind { Folder, FolderLink, Other }

    /// <summary>The entries of <paramref name="folder"/> (paths built on it as given), a link told by what it leads to, not followed further.</summary>
    private static IEnumerable<(string Path, EntryKind Kind)> Entries(string folder)
    {
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };
        var entries = new FileSystemEnumerable<(string Path, bool Link, bool Directory)>(folder,
            (ref FileSystemEntry e) => (e.ToSpecifiedFullPath(), e.Attributes.HasFlag(FileAttributes.ReparsePoint), e.IsDirectory), options);
        foreach (var (path, link, directory) in entries)
        {
            // On Unix a symbolic link carries ReparsePoint; stat(2) says what it leads to.
            var kind = link
                ? (FileEntry.TargetKindOf(path) == FileKind.Directory ? EntryKind.FolderLink : EntryKind.Other)
                : directory ? EntryKind.Folder : EntryKind.Other;
            yield return (path, kind);
        }
    }

    /// <summary>
    /// Refuses a class folder left without images (none there, or only unreadable ones skipped): its class
    /// could be neither learnt nor tested, and a model would still give it an output.
    /// </summary>
    private static void EnsureEveryClassHasImages(string directory, IReadOnlyList<string> classNames, int[] labels, List<SkippedImage> skipped)
    {
        var counts = new int[classNames.Count];
        foreach (int label in labels) counts[label]++;
        int empty = Array.IndexOf(counts, 0);
        if (empty < 0) return;
        string folder = Path.Combine(directory, classNames[empty]);
        int unreadable = skipped.Count(s => s.Path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        throw new DataFormatException(folder, unreadable > 0
            ? $"holds no readable image: all {unreadable} of its image files were skipped as unreadable; every class folder needs images that decode."
            : $"holds no images; every class folder needs image files ({string.Join(", ", ImageDecoder.Extensions)}), or remove it.");
    }

    /// <summary>
    /// Whether every file stores gray only (a grayscale PNG or JPEG, by its header): such a folder gives a
    /// model trained on colour three equal channels, nothing like what it learnt from.
    /// </summary>
    public bool HoldsOnlyGrayscale()
    {
        int gray = 0;
        Parallel.For(0, _files.Length, new ParallelOptions { MaxDegreeOfParallelism = WorkerPool.Threads }, i =>
        {
            if (ImageDecoder.ReadHeader(_files[i], Options.MaxImagePixels).Grayscale) Interlocked.Increment(ref gray);
        });
        return gray == _files.Length;
    }

    private static byte[] Compact(byte[] pixels, int[] keep, int size)
    {
        var kept = new byte[(long)keep.Length * size];
        for (int i = 0; i < keep.Length; i++) pixels.AsSpan(keep[i] * size, size).CopyTo(kept.AsSpan(i * size));
        return kept;
    }

    // DataFormatException's message starts with the path; keep only the problem.
    private static string Reason(string path, string message) =>
        message.StartsWith(path + ": ", StringComparison.Ordinal) ? message[(path.Length + 2)..] : message;

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
