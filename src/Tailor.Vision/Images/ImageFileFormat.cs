namespace Tailor.Data.Images;

/// <summary>The formats images are written in.</summary>
public enum ImageFileFormat
{
    /// <summary>Lossless; 8-bit grayscale reads back pixel for pixel.</summary>
    Png,
    /// <summary>Lossy, at a chosen quality.</summary>
    Jpeg,
    /// <summary>Lossy WebP, at a chosen quality.</summary>
    Webp,
}
