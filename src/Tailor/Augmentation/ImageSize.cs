namespace Tailor.Augmentation;

/// <summary>The shape of one channels-last image.</summary>
public readonly record struct ImageSize(int Height, int Width, int Channels)
{
    public int Length => Height * Width * Channels;
}
