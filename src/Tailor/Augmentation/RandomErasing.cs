using System.Runtime.CompilerServices;
using System.Globalization;
using Tailor.Common;

namespace Tailor.Augmentation;

/// <summary>
/// Random erasing (Zhong et al., as Keras's RandomErasing and torchvision's): with the given
/// probability, fills one rectangle covering 2-33% of the image, aspect ratio 0.3-3.3, with a value.
/// </summary>
public sealed class RandomErasing : AugmentationStep
{
    private const double MinArea = 0.02, MaxArea = 0.33, MinRatio = 0.3, MaxRatio = 1 / 0.3;

    public RandomErasing(double probability, float value = 0)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), $"RandomErasing: the probability must be in [0, 1], received {probability}.");
        Probability = probability;
        Value = value;
    }

    public double Probability { get; }
    public float Value { get; }
    public override string Name => "erase";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Apply(Span<float> image, Span<float> scratch, ImageSize size, Rng rng)
    {
        if (rng.NextDouble() >= Probability) return;
        int h = size.Height, w = size.Width, c = size.Channels;
        // As torchvision: up to ten tries for a rectangle that fits, else leave the image alone.
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double area = h * w * (MinArea + (MaxArea - MinArea) * rng.NextDouble());
            double ratio = Math.Exp(Math.Log(MinRatio) + (Math.Log(MaxRatio) - Math.Log(MinRatio)) * rng.NextDouble());
            int eh = (int)Math.Round(Math.Sqrt(area * ratio)), ew = (int)Math.Round(Math.Sqrt(area / ratio));
            if (eh < 1 || ew < 1 || eh >= h || ew >= w) continue;
            int top = rng.NextInt(h - eh + 1), left = rng.NextInt(w - ew + 1);
            for (int y = top; y < top + eh; y++) image.Slice((y * w + left) * c, ew * c).Fill(Value);
            return;
        }
    }

    public override string ToString() => $"{Name}:{Probability.ToString(CultureInfo.InvariantCulture)}";

    public override Dictionary<string, object?> GetConfig() => new()
    {
        ["class_name"] = "RandomErasing", ["probability"] = Probability, ["scale"] = new[] { MinArea, MaxArea }, ["ratio"] = new[] { MinRatio, MaxRatio }, ["value"] = Value,
    };
}
