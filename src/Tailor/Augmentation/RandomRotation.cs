using System.Globalization;
using Tailor.Common;

namespace Tailor.Augmentation;

/// <summary>
/// Keras's RandomRotation, in degrees: turns each image about its centre by an angle drawn uniformly
/// from [-maxDegrees, maxDegrees], with bilinear interpolation and the fill mode at the corners.
/// </summary>
public sealed class RandomRotation : AugmentationStep
{
    public RandomRotation(double maxDegrees, FillMode fillMode = FillMode.Constant, float fillValue = 0)
    {
        if (!(maxDegrees >= 0 && maxDegrees <= 180))
            throw new ArgumentOutOfRangeException(nameof(maxDegrees), $"RandomRotation: the angle must be between 0 and 180 degrees, received {maxDegrees}.");
        MaxDegrees = maxDegrees;
        FillMode = fillMode;
        FillValue = fillValue;
    }

    public double MaxDegrees { get; }
    public FillMode FillMode { get; }
    public float FillValue { get; }
    public override string Name => "rotate";

    public override void Apply(Span<float> image, Span<float> scratch, ImageSize size, Rng rng)
    {
        double angle = (2 * rng.NextDouble() - 1) * MaxDegrees * Math.PI / 180;
        if (angle == 0) return;
        image.CopyTo(scratch);
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        double cx = (size.Width - 1) / 2.0, cy = (size.Height - 1) / 2.0;
        // Output (x, y) reads the input rotated back by the angle about the centre.
        AffineSampler.Sample(scratch, image, size,
            cos, sin, cx - cos * cx - sin * cy,
            -sin, cos, cy + sin * cx - cos * cy, FillMode, FillValue);
    }

    public override string ToString() => $"{Name}:{MaxDegrees.ToString(CultureInfo.InvariantCulture)}";

    public override Dictionary<string, object?> GetConfig() => new()
    {
        ["class_name"] = "RandomRotation", ["max_degrees"] = MaxDegrees, ["fill_mode"] = FillMode.ToString().ToLowerInvariant(), ["fill_value"] = FillValue,
    };
}
