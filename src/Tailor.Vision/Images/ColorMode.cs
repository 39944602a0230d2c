namespace Tailor.Data.Images;

/// <summary>The channels an image is converted to, as Keras's color_mode.</summary>
public enum ColorMode
{
    /// <summary>One channel of luma.</summary>
    Grayscale,
    /// <summary>Three channels, red, green, blue.</summary>
    Rgb,
}
