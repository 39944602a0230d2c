using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Models;

namespace Tailor.Benchmarks;

/// <summary>
/// Floating-point operations of the matrix work per sample (2 per multiply-add), counted per layer:
/// forward, and backward as the weight gradient plus, except for the first layer, the input gradient.
/// Element-wise work (activations, pooling, optimizer) is not counted.
/// </summary>
internal static class FlopCounter
{
    public static double Forward(Layer layer) => layer switch
    {
        Dense d => 2.0 * d.InputShape[0] * d.Units,
        Conv2D c => 2.0 * c.OutputShape[0] * c.OutputShape[1] * c.Filters * c.KernelSize.Height * c.KernelSize.Width * c.InputShape[2],
        _ => 0,
    };

    public static double ForwardPerSample(Model model) => model.Layers.Sum(Forward);

    public static double TrainingPerSample(Model model) =>
        model.Layers.Select((layer, i) => Forward(layer) * (i == 0 ? 2 : 3)).Sum();
}
