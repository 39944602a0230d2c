using Tailor.Tensors;

namespace Tailor.Data;

/// <summary>Images ready for a model, (N, H, W, 1) in [0, 1], with their labels as integers and one-hot (N, classes).</summary>
public sealed record LabeledTensors(Tensor Images, int[] Labels, Tensor OneHot)
{
    public int Count => Labels.Length;
}
