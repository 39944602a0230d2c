namespace Tailor.Data.Images;

/// <summary>
/// A decoded image: 8-bit RGBA with premultiplied alpha, row-major, four bytes per pixel. Premultiplied
/// so that resampling weighs colours by their coverage and compositing over a background is one add.
/// </summary>
public sealed class RgbaImage
{
    public RgbaImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"Image size must be positive, received {width} x {height}.");
        if (pixels.Length != (long)width * height * 4)
            throw new ArgumentException($"A {width} x {height} RGBA image needs {(long)width * height * 4} bytes, received {pixels.Length}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>R, G, B, A per pixel, colours premultiplied by alpha.</summary>
    public byte[] Pixels { get; }

    /// <summary>Whether any pixel is not fully opaque.</summary>
    public bool HasTransparency
    {
        get
        {
            for (int i = 3; i < Pixels.Length; i += 4)
                if (Pixels[i] != 255) return true;
            return false;
        }
    }
}
