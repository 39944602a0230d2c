using Tailor.Tensors;

namespace Tailor.Data;

/// <summary>Images ready for a model, (N, H, W, 1) in [0, 1], with their labels as integers and one-hot (N, classes).</summary>
public sealed record LabeledTensors(Tensor Images, int[] Labels, Tensor OneHot)
{
    public int Count => Labels.Length;

    /// <summary>Copies of the samples at <paramref name="rows"/>, in that order (e.g. one fold of a k-fold split).</summary>
    public LabeledTensors Select(ReadOnlySpan<int> rows)
    {
        var labels = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++) labels[i] = Labels[rows[i]];
        return new LabeledTensors(Images.Gather(rows), labels, OneHot.Gather(rows));
    }

    /// <summary>The samples of <paramref name="first"/> followed by those of <paramref name="second"/>, copied.</summary>
    public static LabeledTensors Concat(LabeledTensors first, LabeledTensors second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return new LabeledTensors(Stack(first.Images, second.Images), [.. first.Labels, .. second.Labels], Stack(first.OneHot, second.OneHot));
    }

    private static Tensor Stack(Tensor first, Tensor second)
    {
        if (!first.Shape[1..].SequenceEqual(second.Shape[1..]))
            throw new ArgumentException($"Cannot concatenate tensors of shapes {first.ShapeString} and {second.ShapeString}: their items differ.");
        var shape = first.Shape.ToArray();
        shape[0] += second.Dim(0);
        var data = new float[first.Length + second.Length];
        first.Span.CopyTo(data);
        second.Span.CopyTo(data.AsSpan(first.Length));
        return new Tensor(data, shape);
    }
}
