using System.Globalization;
using Tailor.Common;

namespace Tailor.Augmentation;

/// <summary>
/// Keras's RandomZoom with one factor for both axes: scales each image about its centre by a factor
/// drawn uniformly from [1 - factor, 1 + factor] (above 1 enlarges, below 1 shrinks and fills the border).
/// </summary>
public sealed class RandomZoom : AugmentationStep
{
    public RandomZoom(double factor, FillMode fillMode = FillMode.Constant, float fillValue = 0)
    {
        if (!(factor >= 0 && factor < 1))
            throw new ArgumentOutOfRangeException(nameof(factor), $"RandomZoom: the factor must be in [0, 1), received {factor}.");
        Factor = factor;
        FillMode = fillMode;
        FillValue = fillValue;
    }

    public double Factor { get; }
    public FillMode FillMode { get; }
    public float FillValue { get; }
    public override string Name => "zoom";

    public override void Apply(Span<float> image, Span<float> scratch, ImageSize size, Rng rng)
    {
        double scale = 1 + (2 * rng.NextDouble() - 1) * Factor;
        if (scale == 1) return;
        image.CopyTo(scratch);
        double inv = 1 / scale, cx = (size.Width - 1) / 2.0, cy = (size.Height - 1) / 2.0;
        AffineSampler.Sample(scratch, image, size, inv, 0, cx - inv * cx, 0, inv, cy - inv * cy, FillMode, FillValue);
    }

    public override string ToString() => $"{Name}:{Factor.ToString(CultureInfo.InvariantCulture)}";

    public override Dictionary<string, object?> GetConfig() => new()
    {
        ["class_name"] = "RandomZoom", ["factor"] = Factor, ["fill_mode"] = FillMode.ToString().ToLowerInvariant(), ["fill_value"] = FillValue,
    };
}
