using System.Runtime.CompilerServices;
using Tailor.Common;

namespace Tailor.Augmentation;

/// <summary>Keras's RandomFlip("horizontal"): mirrors each image left to right with probability 1/2.</summary>
public sealed class RandomFlip : AugmentationStep
{
    public override string Name => "flip";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Apply(Span<float> image, Span<float> scratch, ImageSize size, Rng rng)
    {
        if (rng.NextFloat() >= 0.5f) return;
        int w = size.Width, c = size.Channels;
        for (int y = 0; y < size.Height; y++)
        {
            var row = image.Slice(y * w * c, w * c);
            for (int left = 0, right = w - 1; left < right; left++, right--)
                for (int ch = 0; ch < c; ch++)
                    (row[left * c + ch], row[right * c + ch]) = (row[right * c + ch], row[left * c + ch]);
        }
    }

    public override string ToString() => Name;

    public override Dictionary<string, object?> GetConfig() => new() { ["class_name"] = "RandomFlip", ["mode"] = "horizontal" };
}
