using SkiaSharp;

namespace Tailor.Data.Images;

/// <summary>
/// Decodes JPEG, PNG, BMP, WebP and GIF (its first frame) through SkiaSharp into an <see cref="RgbaImage"/>,
/// turned upright by the file's EXIF orientation. A file that cannot be decoded, or is cut short, raises a
/// <see cref="DataFormatException"/> naming it.
/// </summary>
public static class ImageDecoder
{
    /// <summary>The extensions read from image folders (lower case, with the dot), as Keras's allow-list plus WebP.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".bmp", ".gif", ".jpeg", ".jpg", ".png", ".webp"];

    /// <summary>Whether <paramref name="path"/> has one of the <see cref="Extensions"/>, in any case.</summary>
    public static bool HasImageExtension(string path) =>
        Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    public static RgbaImage Decode(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"could not be read: {e.Message}", e);
        }
        return Decode(bytes, path);
    }

    /// <summary>Decodes <paramref name="bytes"/>; <paramref name="name"/> is the file named in errors.</summary>
    public static RgbaImage Decode(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var stream = new SKMemoryStream(bytes);
        using var codec = SKCodec.Create(stream, out SKCodecResult opened) ?? throw NotAnImage(name, opened);
        var size = codec.Info;
        if (size.Width <= 0 || size.Height <= 0)
            throw new DataFormatException(name, $"declares an empty image of {size.Width} x {size.Height} pixels.");

        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var pixels = new byte[info.BytesSize];
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

    /// <summary>Width and height from the header alone (after orientation), without decoding the pixels.</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        using var stream = OpenStream(path);
        using var codec = SKCodec.Create(stream, out SKCodecResult opened) ?? throw NotAnImage(path, opened);
        var size = codec.Info;
        return Orientation.SwapsAxes(codec.EncodedOrigin) ? (size.Height, size.Width) : (size.Width, size.Height);
    }

    private static SKStream OpenStream(string path)
    {
        try { return new SKManagedStream(File.OpenRead(path), disposeManagedStream: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"could not be read: {e.Message}", e);
        }
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
