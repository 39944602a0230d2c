using SkiaSharp;
using Tailor.Common;

namespace Tailor.Data.Images;

/// <summary>
/// Decodes JPEG, PNG, BMP, WebP and GIF (its first frame) through SkiaSharp into an <see cref="RgbaImage"/>,
/// turned upright by the file's EXIF orientation. A file that cannot be decoded, or is cut short, raises a
/// <see cref="DataFormatException"/> naming it; so does one that is not a regular file (a FIFO, a device,
/// a folder: see <see cref="InputFile"/>), and one whose header declares more pixels than the budget, which
/// is checked before any pixel is decoded: a few hundred kilobytes of PNG can declare 30000 x 30000
/// pixels, 3.6 GB once decoded.
/// </summary>
public static class ImageDecoder
{
    /// <summary>The extensions read from image folders (lower case, with the dot), as Keras's allow-list plus WebP.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".bmp", ".gif", ".jpeg", ".jpg", ".png", ".webp"];

    /// <summary>
    /// The default pixel budget of one image (width x height): 50 megapixels (an 8660 x 5773 photo), which
    /// decodes to 200 MB of RGBA. Larger images are refused unless the caller raises the budget.
    /// </summary>
    public const long DefaultMaxPixels = 50_000_000;

    private const string What = "an image";

    /// <summary>Whether <paramref name="path"/> has one of the <see cref="Extensions"/>, in any case.</summary>
    public static bool HasImageExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>
    /// Files up to this size are read whole and decoded from memory: Skia's reads through a managed stream cost
    /// more than the decoding of a small image. Larger ones are streamed, so their header is checked before the rest is read.
    /// </summary>
    internal const int WholeFileBytes = 1 << 20;

    /// <summary>Decodes the file at <paramref name="path"/>, refusing one that declares more than <paramref name="maxPixels"/> pixels.</summary>
    public static RgbaImage Decode(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckBudget(maxPixels);
        using var stream = OpenSkia(path);
        return Decode(stream, path, maxPixels);
    }

    /// <summary>
    /// Decodes the file at <paramref name="path"/> into the model's bytes for <paramref name="options"/> (size, fit,
    /// channels, background), as <see cref="ImagePreprocessing"/>'s steps would. A file already at the size,
    /// upright and in the channels asked (a grayscale PNG for a grayscale model, an opaque one for RGB) is
    /// decoded straight into <paramref name="destination"/>, with the same bytes and without the steps between.
    /// </summary>
    internal static void DecodeInto(string path, ImageFolderOptions options, Span<byte> destination)
    {
        using var stream = OpenSkia(path);
        DecodeInto(stream, path, options, destination);
    }

    /// <summary><see cref="DecodeInto(string, ImageFolderOptions, Span{byte})"/> of a file's bytes already read; <paramref name="path"/> is named in errors.</summary>
    internal static void DecodeInto(byte[] file, string path, ImageFolderOptions options, Span<byte> destination)
    {
        using var stream = new SKMemoryStream(file);
        DecodeInto(stream, path, options, destination);
    }

    /// <summary>
    /// The whole of <paramref name="path"/> when it holds at most <paramref name="maxBytes"/> (and it is a regular
    /// file), else null: what a reader may keep in memory to decode again without reading the file again.
    /// </summary>
    internal static byte[]? ReadSmallFile(string path, int maxBytes)
    {
        try { return InputFile.ReadIfAtMost(path, What, maxBytes); }
        catch (InputFileException e) { throw new DataFormatException(path, e.Problem, e); }
    }

    private static void DecodeInto(SKStream stream, string path, ImageFolderOptions options, Span<byte> destination)
    {
        using var codec = SKCodec.Create(stream, out SKCodecResult opened) ?? throw NotAnImage(path, opened);
        var info = codec.Info;
        CheckSize(info.Width, info.Height, path, options.MaxImagePixels);
        bool exact = info.Width == options.Width && info.Height == options.Height && codec.EncodedOrigin == SKEncodedOrigin.TopLeft
            && (options.ColorMode == ColorMode.Grayscale ? info.ColorType == SKColorType.Gray8 : info.AlphaType == SKAlphaType.Opaque);
        if (!exact)
        {
            var image = ImagePreprocessing.Resize(Decode(codec, path), options.Width, options.Height, options.Fit);
            ImagePreprocessing.ToChannels(image, options.ColorMode, destination, options.Background);
            return;
        }
        if (options.ColorMode == ColorMode.Grayscale)
        {
            GetPixels(codec, new SKImageInfo(info.Width, info.Height, SKColorType.Gray8, SKAlphaType.Opaque), destination, info.Width, path);
            return;
        }
        int pixels = info.Width * info.Height;
        var rgba = new byte[4 * pixels];
        GetPixels(codec, new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba, 4 * info.Width, path);
        for (int i = 0; i < pixels; i++)
        {
            destination[3 * i] = rgba[4 * i];
            destination[3 * i + 1] = rgba[4 * i + 1];
            destination[3 * i + 2] = rgba[4 * i + 2];
        }
    }

    /// <summary>Decodes <paramref name="bytes"/>; <paramref name="name"/> is the file named in errors.</summary>
    public static RgbaImage Decode(byte[] bytes, string name, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        CheckBudget(maxPixels);
        using var stream = new SKMemoryStream(bytes);
        return Decode(stream, name, maxPixels);
    }

    private static RgbaImage Decode(SKStream stream, string name, long maxPixels)
    {
        using var codec = SKCodec.Create(stream, out SKCodecResult opened) ?? throw NotAnImage(name, opened);
        CheckSize(codec.Info.Width, codec.Info.Height, name, maxPixels);
        return Decode(codec, name);
    }

    private static RgbaImage Decode(SKCodec codec, string name)
    {
        var size = codec.Info;
        var pixels = new byte[4L * size.Width * size.Height];
        GetPixels(codec, new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul), pixels, 4 * size.Width, name);
        return Orientation.Apply(new RgbaImage(size.Width, size.Height, pixels), codec.EncodedOrigin);
    }

    private static void GetPixels(SKCodec codec, SKImageInfo info, Span<byte> destination, int rowBytes, string name)
    {
        SKCodecResult result;
        unsafe
        {
            fixed (byte* p = destination)
                result = codec.GetPixels(info, (IntPtr)p, rowBytes, new SKCodecOptions(0));
        }
        // IncompleteInput means a truncated file whose missing rows Skia filled in: refuse it rather than learn from it.
        if (result != SKCodecResult.Success)
            throw new DataFormatException(name, $"could not be decoded as {codec.EncodedFormat} ({Describe(result)}).");
    }

    /// <summary>The file as Skia reads it: whole from memory when small, else streamed.</summary>
    private static SKStream OpenSkia(string path)
    {
        if (ReadSmallFile(path, WholeFileBytes) is { } bytes) return new SKMemoryStream(bytes);
        return new SKManagedStream(new BufferedStream(Open(path, bufferSize: 0)), disposeManagedStream: true);
    }

    /// <summary>
    /// Width and height from the header alone (after orientation), without decoding the pixels; an image
    /// over <paramref name="maxPixels"/> is refused as <see cref="Decode(string, long)"/> would refuse it.
    /// </summary>
    public static (int Width, int Height) ReadSize(string path, long maxPixels = DefaultMaxPixels)
    {
        var header = ReadHeader(path, maxPixels);
        return (header.Width, header.Height);
    }

    /// <summary>
    /// <see cref="ReadSize"/>, and whether the file stores one gray channel (a grayscale PNG or JPEG), as its
    /// header says; an RGB file whose pixels happen to be gray is not counted.
    /// </summary>
    public static ImageHeader ReadHeader(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckBudget(maxPixels);
        using var stream = new SKManagedStream(Open(path), disposeManagedStream: true);
        return ReadHeader(stream, path, maxPixels);
    }

    /// <summary><see cref="ReadHeader(string, long)"/> of a file's bytes already read; <paramref name="path"/> is named in errors.</summary>
    internal static ImageHeader ReadHeader(byte[] file, string path, long maxPixels)
    {
        using var stream = new SKMemoryStream(file);
        return ReadHeader(stream, path, maxPixels);
    }

    private static ImageHeader ReadHeader(SKStream stream, string path, long maxPixels)
    {
        using var codec = SKCodec.Create(stream, out SKCodecResult opened) ?? throw NotAnImage(path, opened);
        var size = codec.Info;
        CheckSize(size.Width, size.Height, path, maxPixels);
        bool gray = size.ColorType == SKColorType.Gray8;
        return Orientation.SwapsAxes(codec.EncodedOrigin) ? new(size.Height, size.Width, gray) : new(size.Width, size.Height, gray);
    }

    private static FileStream Open(string path, int bufferSize = 4096)
    {
        try { return InputFile.OpenRead(path, What, bufferSize); }
        catch (InputFileException e) { throw new DataFormatException(path, e.Problem, e); }
    }

    /// <summary>Refuses an empty image, and one over the budget or too large for one array, from its header's size.</summary>
    private static void CheckSize(int width, int height, string name, long maxPixels)
    {
        if (width <= 0 || height <= 0)
            throw new DataFormatException(name, $"declares an empty image of {width} x {height} pixels.");
        long pixels = (long)width * height;
        if (pixels > maxPixels)
            throw new DataFormatException(name,
                $"declares {width} x {height} pixels ({pixels:N0}), more than the limit of {maxPixels:N0} per image; " +
                "raise it with --max-image-pixels (MaxImagePixels in code) if the image is genuine.");
        if (4 * pixels > Array.MaxLength)
            throw new DataFormatException(name, $"declares {width} x {height} pixels, more than one array of RGBA pixels can hold.");
    }

    private static void CheckBudget(long maxPixels)
    {
        if (maxPixels <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxPixels), $"Received an invalid value for `maxPixels`, expected a positive number of pixels. Received: maxPixels={maxPixels}");
    }

    private static DataFormatException NotAnImage(string name, SKCodecResult result) => result == SKCodecResult.Unimplemented
        ? new DataFormatException(name, "is not an image in a format SkiaSharp decodes (JPEG, PNG, BMP, WebP or GIF).")
        : new DataFormatException(name, $"could not be opened as an image ({Describe(result)}).");

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file is cut short",
        SKCodecResult.ErrorInInput => "the data is corrupt",
        SKCodecResult.InvalidInput => "the data is invalid",
        _ => result.ToString(),
    };
}
