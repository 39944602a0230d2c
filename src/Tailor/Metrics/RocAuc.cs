namespace Tailor.Metrics;

/// <summary>
/// The area under the ROC curve, exact, as scikit-learn's <c>roc_auc_score</c>: the chance that a random
/// positive scores above a random negative, ties counting a half (the Mann-Whitney statistic from average
/// ranks). For several classes, one class against the rest, averaged plainly (macro) or by prevalence
/// (weighted) over the classes that have both positives and negatives.
/// </summary>
public static class RocAuc
{
    /// <summary>The AUC of <paramref name="scores"/> for samples whose <paramref name="positive"/> flag is set.</summary>
    public static double Binary(ReadOnlySpan<float> scores, ReadOnlySpan<bool> positive)
    {
        if (scores.Length != positive.Length) throw new ArgumentException($"{scores.Length} scores for {positive.Length} labels.");
        int n = scores.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = scores.ToArray();
        Array.Sort(keys, order);
        double positiveRanks = 0;
        long positives = 0;
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && keys[end + 1] == keys[start]) end++;
            double rank = (start + end) / 2.0 + 1;  // the average rank of a run of ties, 1-based
            for (int i = start; i <= end; i++)
                if (positive[order[i]]) { positiveRanks += rank; positives++; }
            start = end + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0)
            throw new ArgumentException("The AUC needs positives and negatives; these labels hold only one kind.");
        return (positiveRanks - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>
    /// One class against the rest over <paramref name="probabilities"/> (samples x classes, row-major) and
    /// <paramref name="labels"/> (class indices), averaged by <paramref name="average"/> (macro or weighted).
    /// </summary>
    public static double OneVsRest(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, int classes, MetricAverage average = MetricAverage.Macro)
    {
        if (average == MetricAverage.Micro) throw new ArgumentException("One-vs-rest AUC is averaged macro or weighted, as scikit-learn's multi_class='ovr'.");
        int n = labels.Length;
        if (probabilities.Length != n * classes) throw new ArgumentException($"{probabilities.Length} probabilities for {n} samples of {classes} classes.");
        var scores = new float[n];
        var positive = new bool[n];
        double sum = 0, weights = 0;
        for (int c = 0; c < classes; c++)
        {
            int count = 0;
            for (int i = 0; i < n; i++) { scores[i] = probabilities[i * classes + c]; positive[i] = labels[i] == c; if (positive[i]) count++; }
            if (count == 0 || count == n) continue;
            double weight = average == MetricAverage.Weighted ? count : 1;
            sum += weight * Binary(scores, positive);
            weights += weight;
        }
        if (weights == 0) throw new ArgumentException("The AUC needs at least one class with positives and negatives.");
        return sum / weights;
    }
}
