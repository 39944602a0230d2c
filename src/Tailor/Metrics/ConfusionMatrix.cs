using System.Runtime.CompilerServices;
using Tailor.Losses;

namespace Tailor.Metrics;

/// <summary>
/// Counts of (true class, predicted class) pairs: row t, column p holds how many samples of class t the
/// model gave class p. The true class is the target's index (sparse) or its argmax (one-hot), the predicted
/// class the argmax of the outputs; with one output, class 1 is a value above 0.5. Per-class precision,
/// recall and F1 and their averages follow scikit-learn's <c>precision_recall_fscore_support</c>: a class
/// that no sample has and none was given counts in no average, and a quotient over zero is 0.
/// </summary>
public sealed class ConfusionMatrix
{
    /// <summary>An empty matrix for <paramref name="classes"/> classes.</summary>
    public ConfusionMatrix(int classes)
    {
        Common.Guard.Positive(classes, "classes");
        Classes = classes;
        Counts = new double[classes * classes];
    }

    /// <summary>A matrix over counts laid out row by row (true class by predicted class).</summary>
    public ConfusionMatrix(double[] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        int classes = (int)Math.Round(Math.Sqrt(counts.Length));
        if (classes == 0 || classes * classes != counts.Length)
            throw new ArgumentException($"A confusion matrix holds classes x classes counts; {counts.Length} is not a square.", nameof(counts));
        Classes = classes;
        Counts = counts;
    }

    public int Classes { get; }

    /// <summary>Row-major counts (true class by predicted class), as doubles: sums that add exactly up to 2^53.</summary>
    public double[] Counts { get; }

    public double this[int trueClass, int predictedClass] => Counts[trueClass * Classes + predictedClass];

    /// <summary>The number of classes a model with <paramref name="outputs"/> outputs tells apart: two for one output.</summary>
    public static int ClassesOf(int outputs) => outputs == 1 ? 2 : outputs;

    /// <summary>
    /// The class a target names: its index (one value per sample, with several outputs), its largest entry
    /// (one-hot), or for one output 1 when above 0.5.
    /// </summary>
    internal static int ClassOf(ReadOnlySpan<float> target, int outputs) =>
        target.Length == 1 ? (outputs == 1 ? (target[0] > 0.5f ? 1 : 0) : (int)target[0]) : Metrics.Accuracy.ArgMax(target);

    /// <summary>Adds a batch of <paramref name="batch"/> rows of <paramref name="outputs"/> values, targets in <paramref name="loss"/>'s layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(Loss loss, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs)
    {
        if (ClassesOf(outputs) != Classes)
            throw new ArgumentException($"The confusion matrix has {Classes} classes; a model with {outputs} outputs tells {ClassesOf(outputs)} apart.");
        int targetLength = loss.TargetLength(outputs);
        for (int r = 0; r < batch; r++)
        {
            var p = predictions.Slice(r * outputs, outputs);
            int predicted = outputs == 1 ? (p[0] > 0.5f ? 1 : 0) : Metrics.Accuracy.ArgMax(p);
            int expected = ClassOf(targets.Slice(r * targetLength, targetLength), outputs);
            if ((uint)expected >= (uint)Classes) throw new ArgumentException($"A target names class {expected}; the model has {Classes} classes.");
            Counts[expected * Classes + predicted]++;
        }
    }

    /// <summary>Samples of class <paramref name="c"/> (its row's sum).</summary>
    public double Support(int c)
    {
        double sum = 0;
        for (int p = 0; p < Classes; p++) sum += this[c, p];
        return sum;
    }

    /// <summary>Samples given class <paramref name="c"/> (its column's sum).</summary>
    public double Predicted(int c)
    {
        double sum = 0;
        for (int t = 0; t < Classes; t++) sum += this[t, c];
        return sum;
    }

    public double Precision(int c) => Quotient(this[c, c], Predicted(c));

    public double Recall(int c) => Quotient(this[c, c], Support(c));

    /// <summary>The harmonic mean of precision and recall, as scikit-learn computes it (0 when both are 0).</summary>
    public double F1(int c)
    {
        double p = Precision(c), r = Recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /// <summary>Correct over all samples.</summary>
    public double Accuracy()
    {
        double correct = 0, total = 0;
        for (int c = 0; c < Classes; c++) { correct += this[c, c]; total += Support(c); }
        return Quotient(correct, total);
    }

    /// <summary>
    /// <paramref name="perClass"/> averaged over the classes that occur (as a true or a predicted class):
    /// plainly (macro), by support (weighted); micro-averaged precision, recall and F1 of one label per sample
    /// are all the accuracy.
    /// </summary>
    public double Average(Func<int, double> perClass, MetricAverage average)
    {
        ArgumentNullException.ThrowIfNull(perClass);
        if (average == MetricAverage.Micro) return Accuracy();
        double sum = 0, weights = 0;
        for (int c = 0; c < Classes; c++)
        {
            double support = Support(c);
            if (support == 0 && Predicted(c) == 0) continue;
            double weight = average == MetricAverage.Weighted ? support : 1;
            sum += weight * perClass(c);
            weights += weight;
        }
        return Quotient(sum, weights);
    }

    private static double Quotient(double numerator, double denominator) => denominator == 0 ? 0 : numerator / denominator;
}

/// <summary>How per-class values become one: scikit-learn's average='macro', 'weighted' or 'micro'.</summary>
public enum MetricAverage
{
    /// <summary>The plain mean over the classes that occur.</summary>
    Macro,
    /// <summary>The mean weighted by each class's support (its true samples).</summary>
    Weighted,
    /// <summary>Counted over all samples at once: the accuracy, for one label per sample.</summary>
    Micro,
}
