namespace Tailor.Data.Images;

/// <summary>How an image of another aspect ratio is brought to the model's input size.</summary>
public enum ImageFit
{
    /// <summary>Scaled to the exact size, the aspect ratio distorted (Keras's default).</summary>
    Stretch,
    /// <summary>Scaled to fit inside, centred, the rest filled with the background (Keras's pad_to_aspect_ratio).</summary>
    Pad,
    /// <summary>Scaled to cover, the centre kept and the overhang cut off (Keras's crop_to_aspect_ratio).</summary>
    Crop,
}
