using System.Globalization;
using System.Text;

namespace Tailor.Metrics;

/// <summary>
/// scikit-learn's <c>classification_report</c> as text, from a confusion matrix: per class precision,
/// recall, F1 and support, then accuracy and the macro and weighted averages, in its layout; and the pairs
/// of classes the model mixes up most.
/// </summary>
public static class ClassificationReport
{
    /// <summary>
    /// The report of <paramref name="matrix"/>, one row per class that occurs (as a true or a predicted class),
    /// named from <paramref name="classNames"/> (one per class of the matrix), values to <paramref name="digits"/> places.
    /// </summary>
    public static string Format(ConfusionMatrix matrix, IReadOnlyList<string> classNames, int digits = 2)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count != matrix.Classes)
            throw new ArgumentException($"The matrix has {matrix.Classes} classes, received {classNames.Count} names.", nameof(classNames));
        ArgumentOutOfRangeException.ThrowIfNegative(digits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 15);
        var present = Enumerable.Range(0, matrix.Classes).Where(c => matrix.Support(c) > 0 || matrix.Predicted(c) > 0).ToList();
        const string longestHeading = "weighted avg";
        int width = Math.Max(Math.Max(present.Count == 0 ? 0 : present.Max(c => classNames[c].Length), longestHeading.Length), digits);
        string Value(double v) => v.ToString("F" + digits, CultureInfo.InvariantCulture).PadLeft(9);
        string Support(double v) => v.ToString("0", CultureInfo.InvariantCulture).PadLeft(9);

        var text = new StringBuilder();
        text.Append(new string(' ', width)).Append(' ');
        foreach (string header in new[] { "precision", "recall", "f1-score", "support" }) text.Append(' ').Append(header.PadLeft(9));
        text.Append("\n\n");
        double total = 0;
        foreach (int c in present)
        {
            total += matrix.Support(c);
            text.Append(classNames[c].PadLeft(width)).Append(' ')
                .Append(' ').Append(Value(matrix.Precision(c))).Append(' ').Append(Value(matrix.Recall(c)))
                .Append(' ').Append(Value(matrix.F1(c))).Append(' ').Append(Support(matrix.Support(c))).Append('\n');
        }
        text.Append('\n');
        text.Append("accuracy".PadLeft(width)).Append(' ').Append(' ', 2 * 10)
            .Append(' ').Append(Value(matrix.Accuracy())).Append(' ').Append(Support(total)).Append('\n');
        foreach (var (heading, average) in new[] { ("macro avg", MetricAverage.Macro), ("weighted avg", MetricAverage.Weighted) })
            text.Append(heading.PadLeft(width)).Append(' ')
                .Append(' ').Append(Value(matrix.Average(matrix.Precision, average))).Append(' ').Append(Value(matrix.Average(matrix.Recall, average)))
                .Append(' ').Append(Value(matrix.Average(matrix.F1, average))).Append(' ').Append(Support(total)).Append('\n');
        return text.ToString();
    }

    /// <summary>The <paramref name="count"/> largest off-diagonal cells, largest first (ties by true, then predicted class).</summary>
    public static IReadOnlyList<ConfusedPair> MostConfused(ConfusionMatrix matrix, int count)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var pairs = new List<ConfusedPair>();
        for (int t = 0; t < matrix.Classes; t++)
            for (int p = 0; p < matrix.Classes; p++)
                if (t != p && matrix[t, p] > 0) pairs.Add(new ConfusedPair(t, p, matrix[t, p]));
        return pairs.OrderByDescending(x => x.Count).ThenBy(x => x.TrueClass).ThenBy(x => x.PredictedClass).Take(count).ToList();
    }
}

/// <summary>Samples of <see cref="TrueClass"/> that the model gave <see cref="PredictedClass"/>.</summary>
public sealed record ConfusedPair(int TrueClass, int PredictedClass, double Count);
