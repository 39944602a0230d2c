using Tailor.Common;
using Tailor.Tensors;

namespace Tailor.Data;

/// <summary>One-hot encoding of class labels, as Keras's <c>to_categorical</c>.</summary>
public static class Categorical
{
    /// <summary>An (N, <paramref name="numClasses"/>) tensor whose row i is 1 at column labels[i] and 0 elsewhere.</summary>
    public static Tensor ToCategorical(ReadOnlySpan<int> labels, int numClasses)
    {
        Guard.Positive(numClasses);
        var oneHot = new Tensor(labels.Length, numClasses);
        Span<float> values = oneHot.Span;
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)numClasses)
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label at index {i} is {labels[i]}, expected a class in [0, {numClasses}).");
            values[i * numClasses + labels[i]] = 1f;
        }
        return oneHot;
    }
}
