using Tailor.Common;

namespace Tailor.Data;

/// <summary>One row of <see cref="ClassCounts"/>: a class and how many images of it each set holds.</summary>
public sealed record ClassCount(int Label, string Name, int Train, int Test);

/// <summary>Images per class, for <c>tailor data info</c> and for checking a sample's balance.</summary>
public static class ClassCounts
{
    /// <summary>How many labels equal each class from 0 to numClasses - 1; labels outside that range are an error.</summary>
    public static int[] Count(ReadOnlySpan<int> labels, int numClasses)
    {
        Guard.Positive(numClasses);
        var counts = new int[numClasses];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)numClasses)
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label at index {i} is {labels[i]}, expected a class in [0, {numClasses}).");
            counts[labels[i]]++;
        }
        return counts;
    }

    /// <summary>One row per Fashion-MNIST class with its training and test counts.</summary>
    public static IReadOnlyList<ClassCount> Of(FashionMnistDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        int[] train = Count(dataset.Train.Labels, FashionMnist.NumClasses);
        int[] test = Count(dataset.Test.Labels, FashionMnist.NumClasses);
        return [.. Enumerable.Range(0, FashionMnist.NumClasses).Select(c => new ClassCount(c, FashionMnist.ClassNames[c], train[c], test[c]))];
    }

    /// <summary>As <see cref="Count(ReadOnlySpan{int}, int)"/>, for labels stored as bytes (IDX label files).</summary>
    public static int[] Count(ReadOnlySpan<byte> labels, int numClasses)
    {
        Guard.Positive(numClasses);
        var counts = new int[numClasses];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= numClasses)
                throw new ArgumentOutOfRangeException(nameof(labels), $"Label at index {i} is {labels[i]}, expected a class in [0, {numClasses}).");
            counts[labels[i]]++;
        }
        return counts;
    }
}
