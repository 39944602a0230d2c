using Tailor.Common;

namespace Tailor.Augmentation;

/// <summary>
/// Keras's RandomTranslation, in whole pixels: shifts each image by dy and dx drawn uniformly from
/// [-maxShift, maxShift], so pixels move without blurring; what enters from the edge follows the fill mode.
/// </summary>
public sealed class RandomTranslation : AugmentationStep
{
    /// <summary>The largest shift: far beyond any image here, and small enough that no draw overflows.</summary>
    public const int MaxShiftLimit = 1_024;

    public RandomTranslation(int maxShift, FillMode fillMode = FillMode.Constant, float fillValue = 0)
    {
        if (maxShift is < 0 or > MaxShiftLimit)
            throw new ArgumentOutOfRangeException(nameof(maxShift), $"RandomTranslation: the shift must be 0 to {MaxShiftLimit:N0} pixels, received {maxShift}.");
        MaxShift = maxShift;
        FillMode = fillMode;
        FillValue = fillValue;
    }

    public int MaxShift { get; }
    public FillMode FillMode { get; }
    public float FillValue { get; }
    public override string Name => "shift";

    public override void Apply(Span<float> image, Span<float> scratch, ImageSize size, Rng rng)
    {
        int dy = rng.NextInt(2 * MaxShift + 1) - MaxShift, dx = rng.NextInt(2 * MaxShift + 1) - MaxShift;
        if (dy == 0 && dx == 0) return;
        image.CopyTo(scratch);
        AffineSampler.Sample(scratch, image, size, 1, 0, -dx, 0, 1, -dy, FillMode, FillValue);
    }

    public override string ToString() => $"{Name}:{MaxShift}";

    public override Dictionary<string, object?> GetConfig() => new()
    {
        ["class_name"] = "RandomTranslation", ["max_shift_pixels"] = MaxShift, ["fill_mode"] = FillMode.ToString().ToLowerInvariant(), ["fill_value"] = FillValue,
    };
}
