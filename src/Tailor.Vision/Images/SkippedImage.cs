namespace Tailor.Data.Images;

/// <summary>An image file left out of a folder because it could not be decoded, and why.</summary>
public sealed record SkippedImage(string Path, string Reason)
{
    public override string ToString() => $"{Path}: {Reason}";
}
