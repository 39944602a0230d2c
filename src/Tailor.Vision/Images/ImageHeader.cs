namespace Tailor.Data.Images;

/// <summary>What an image file's header tells before any pixel is decoded: its upright size and whether it stores gray only.</summary>
public readonly record struct ImageHeader(int Width, int Height, bool Grayscale);
