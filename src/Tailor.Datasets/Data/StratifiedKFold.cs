using Tailor.Common;

namespace Tailor.Data;

/// <summary>One fold of a k-fold split: positions (into the labels given to <see cref="StratifiedKFold.Split"/>) to train on and to validate on.</summary>
public sealed record Fold(int Number, int[] TrainIndices, int[] ValidationIndices);

/// <summary>
/// Stratified k-fold splits, as scikit-learn's StratifiedKFold(shuffle=True): the samples of each class
/// are shuffled with a seeded <see cref="Rng"/> and dealt to the folds in turn, so every fold holds each
/// class's share to within one sample, and fold sizes differ by at most one. Each fold validates once
/// and the other k - 1 train.
/// </summary>
public static class StratifiedKFold
{
    /// <summary>The k folds of <paramref name="labels"/> (class indices 0 to numClasses - 1), in ascending position order within each part.</summary>
    public static IReadOnlyList<Fold> Split(ReadOnlySpan<int> labels, int folds, int numClasses, ulong seed)
    {
        CheckFolds(labels, folds, numClasses, "folds");
        var byClass = new List<int>[numClasses];
        for (int c = 0; c < numClasses; c++) byClass[c] = [];
        for (int i = 0; i < labels.Length; i++) byClass[labels[i]].Add(i);

        var rng = new Rng(seed);
        var assignment = new int[labels.Length];
        // Dealing carries on across classes where the previous class stopped, so the remainders of
        // all classes spread over the folds instead of piling onto the first ones.
        int next = 0;
        foreach (var members in byClass)
        {
            var order = members.ToArray();
            rng.Shuffle(order);
            foreach (int position in order)
            {
                assignment[position] = next;
                next = (next + 1) % folds;
            }
        }

        var result = new Fold[folds];
        for (int f = 0; f < folds; f++)
        {
            var train = new List<int>(labels.Length);
            var validation = new List<int>(labels.Length / folds + 1);
            for (int i = 0; i < assignment.Length; i++) (assignment[i] == f ? validation : train).Add(i);
            result[f] = new Fold(f + 1, [.. train], [.. validation]);
        }
        return result;
    }

    /// <summary>
    /// The most folds <paramref name="labels"/> allow: each fold must see every class, so no more folds
    /// than the smallest class has samples (classes absent altogether do not count).
    /// </summary>
    public static (int MaxFolds, int SmallestClass) Limit(ReadOnlySpan<int> labels, int numClasses)
    {
        int[] counts = ClassCounts.Count(labels, numClasses);
        int smallest = -1;
        for (int c = 0; c < numClasses; c++)
            if (counts[c] > 0 && (smallest < 0 || counts[c] < counts[smallest])) smallest = c;
        return smallest < 0 ? (0, -1) : (counts[smallest], smallest);
    }

    /// <summary>Throws an ArgumentException naming <paramref name="option"/> (e.g. "--folds") and the limit when <paramref name="folds"/> cannot split <paramref name="labels"/>.</summary>
    public static void CheckFolds(ReadOnlySpan<int> labels, int folds, int numClasses, string option, IReadOnlyList<string>? classNames = null)
    {
        if (folds < 2)
            throw new ArgumentException($"{option} must be at least 2 (one fold validates, the others train), received {folds}.");
        var (max, smallest) = Limit(labels, numClasses);
        if (folds > max)
        {
            string name = smallest < 0 ? "" : classNames is null ? $" (class {smallest})" : $" ('{classNames[smallest]}')";
            throw new ArgumentException(
                $"{option} must be at most {max}, the number of samples in the smallest class{name}, so that every fold holds each class; received {folds}.");
        }
    }
}
