using Tailor.Common;
using Tailor.Tensors;

namespace Tailor.Tests.Models;

/// <summary>Small seeded image sets, learnable (each class brightens its own band of rows) but noisy.</summary>
internal static class SyntheticData
{
    public static (Tensor X, Tensor OneHot, Tensor Labels) Images(int count, int height, int width, int classes, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[count * height * width];
        var oneHot = new float[count * classes];
        var labels = new float[count];
        for (int n = 0; n < count; n++)
        {
            int label = rng.NextInt(classes);
            labels[n] = label;
            oneHot[n * classes + label] = 1;
            for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++)
                x[(n * height + r) * width + c] = 0.6f * rng.NextFloat() + (r * classes / height == label ? 0.4f : 0f);
        }
        return (new Tensor(x, count, height, width, 1), new Tensor(oneHot, count, classes), new Tensor(labels, count));
    }
}
