using Tailor.Common;

namespace Tailor.Data.Images;

/// <summary>Where a photo's object lands in the square input.</summary>
public enum PhotoCentering
{
    /// <summary>The bounding box's centre at the centre, as Fashion-MNIST placed its garments.</summary>
    BoundingBox,
    /// <summary>The centre of mass of the intensities at the centre, as MNIST placed its digits.</summary>
    CenterOfMass,
}

/// <summary>
/// How <see cref="PhotoPreprocessor"/> turns a photo into a model input. The defaults follow Fashion-MNIST's
/// own conversion (its README): the object's longest edge fills the 28 pixels and the box is centred.
/// MNIST's recipe (a 20-pixel box centred by mass in 28) is Margin = 4 with <see cref="PhotoCentering.CenterOfMass"/>.
/// </summary>
public sealed record PhotoPreprocessorOptions
{
    /// <summary>Height and width of the square output.</summary>
    public int Size { get; init; } = 28;

    /// <summary>Pixels left free on each side of the object's longest edge.</summary>
    public int Margin { get; init; }

    public PhotoCentering Centering { get; init; } = PhotoCentering.BoundingBox;

    /// <summary>
    /// Intensity above the background (0 to 1, after inversion) from which a pixel belongs to the object when
    /// finding its bounding box; Fashion-MNIST trimmed at 5% of the range, photos need a little more for noise.
    /// </summary>
    public double ForegroundThreshold { get; init; } = 0.1;

    /// <summary>The most pixels (width x height, from the file's header) a photo may declare; a larger one is refused before it is decoded.</summary>
    public long MaxImagePixels { get; init; } = ImageDecoder.DefaultMaxPixels;

    public void Validate()
    {
        Guard.Positive(Size);
        if (Margin < 0 || 2 * Margin >= Size)
            throw new ArgumentOutOfRangeException(nameof(Margin), $"Received an invalid value for `Margin`, expected 0 to {(Size - 1) / 2} for a size of {Size}. Received: Margin={Margin}");
        Guard.InRange(ForegroundThreshold, 0, 1);
        if (MaxImagePixels <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxImagePixels), $"Received an invalid value for `MaxImagePixels`, expected a positive number of pixels. Received: MaxImagePixels={MaxImagePixels}");
        if (!Enum.IsDefined(Centering)) throw new ArgumentOutOfRangeException(nameof(Centering), $"Unknown centering {Centering}; expected BoundingBox or CenterOfMass.");
    }
}
