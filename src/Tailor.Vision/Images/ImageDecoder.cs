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

    /// <summary>Decodes the file at <paramref name="path"/>, refusing one that declares more than <paramref name="maxPixels"/> pixels.</summary>
    public static RgbaImage Decode(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckBudget(maxPixels);
        // Skia reads what it needs from the file as it decodes; the file is never read whole.
        using var stream = new SKManagedStream(Open(path), disposeManagedStream: true);
        return Decode(stream, path, maxPixels);
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
        var size = codec.Info;
        CheckSize(size.Width, size.Height, name, maxPixels);

        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var pixels = new byte[4L * size.Width * size.Height];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* p = pixels)
                result = codec.GetPixels(info, (IntPtr)p, new SKCodecOptions(0));
        }
        // IncompleteInput means a truncated file whose missing rows Skia filled in: refuse it rather than learn from it.
        if (result != SKCodecResult.Success)
            throw new DataFormatException(name, $"could not be decoded as {codec.EncodedFormat} ({Describe(result)}).");
        return Orientation.Apply(new RgbaImage(size.Width, size.Height, pixels), codec.EncodedOrigin);
    }

    /// <summary>
    /// Width and height from the header alone (after orientation), without decoding the pixels; an image
    /// over <paramref name="maxPixels"/> is refused as <see cref="Decode(string, long)"/> would refuse it.
    /// </summary>
    public static (int Width, int Height) ReadSize(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        CheckBudget(maxPixels);
        using var stream = new SKManagedStream(Open(path), disposeManagedStream: true);
        using var codec = SKCodec.Create(stream, out SKCodecResult opened) ?? throw NotAnImage(path, opened);
        var size = codec.Info;
        CheckSize(size.Width, size.Height, path, maxPixels);
        return Orientation.SwapsAxes(codec.EncodedOrigin) ? (size.Height, size.Width) : (size.Width, size.Height);
    }

    private static FileStream Open(string path)
    {
        try { return InputFile.OpenRead(path, What); }
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
