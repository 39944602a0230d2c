using Tailor.Losses;

namespace Tailor.Metrics;

/// <summary>
/// A metric read from a confusion matrix: its state is the matrix's counts, sized by the model's outputs at
/// the first update (or by a checkpoint's state), so that shards' and checkpoints' states add exactly.
/// </summary>
public abstract class ClassificationMetric(MetricAverage average) : Metric
{
    private double[] _counts = [];
    private ConfusionMatrix? _matrix;

    /// <summary>How the per-class values are averaged.</summary>
    public MetricAverage Average { get; } = average;

    /// <inheritdoc/>
    public override double[] State => _counts;

    /// <summary>The matrix of the updates since the last reset; null before the first.</summary>
    public ConfusionMatrix? Matrix => _counts.Length == 0 ? null : _matrix ??= new ConfusionMatrix(_counts);

    /// <summary>The metric's name for <paramref name="average"/>: "f1" for macro, "weighted_f1", "micro_f1".</summary>
    protected static string NameFor(string metric, MetricAverage average) =>
        average == MetricAverage.Macro ? metric : $"{average.ToString().ToLowerInvariant()}_{metric}";

    /// <inheritdoc/>
    public override void Update(Loss loss, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, int outputs)
    {
        int classes = ConfusionMatrix.ClassesOf(outputs);
        if (_counts.Length == 0) _counts = new double[classes * classes];
        // One matrix over the counts, made once: an update per batch allocates nothing.
        Matrix!.Add(loss, predictions, targets, batch, outputs);
    }

    /// <inheritdoc/>
    public override void Restore(IReadOnlyList<double> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        // Unsized until the first update: a checkpoint's square state sizes it.
        if (_counts.Length == 0 && state.Count > 0)
        {
            _matrix = new ConfusionMatrix(new double[state.Count]);  // refuses a state that is not square
            _counts = _matrix.Counts;
        }
        base.Restore(state);
    }

    /// <inheritdoc/>
    public override double Result() => Matrix is { } m ? Read(m) : 0;

    /// <summary>The value of this metric on <paramref name="matrix"/>.</summary>
    public abstract double Read(ConfusionMatrix matrix);
}

/// <summary>Precision (correct among those given the class), averaged over the classes: "precision".</summary>
public sealed class Precision(MetricAverage average = MetricAverage.Macro) : ClassificationMetric(average)
{
    /// <inheritdoc/>
    public override string Name => NameFor("precision", Average);
    /// <inheritdoc/>
    public override double Read(ConfusionMatrix matrix) => matrix.Average(matrix.Precision, Average);
    /// <inheritdoc/>
    public override Metric CloneEmpty() => new Precision(Average);
}

/// <summary>Recall (found among those of the class), averaged over the classes: "recall".</summary>
public sealed class Recall(MetricAverage average = MetricAverage.Macro) : ClassificationMetric(average)
{
    /// <inheritdoc/>
    public override string Name => NameFor("recall", Average);
    /// <inheritdoc/>
    public override double Read(ConfusionMatrix matrix) => matrix.Average(matrix.Recall, Average);
    /// <inheritdoc/>
    public override Metric CloneEmpty() => new Recall(Average);
}

/// <summary>F1 (the harmonic mean of precision and recall per class), averaged over the classes: "f1".</summary>
public sealed class F1Score(MetricAverage average = MetricAverage.Macro) : ClassificationMetric(average)
{
    /// <inheritdoc/>
    public override string Name => NameFor("f1", Average);
    /// <inheritdoc/>
    public override double Read(ConfusionMatrix matrix) => matrix.Average(matrix.F1, Average);
    /// <inheritdoc/>
    public override Metric CloneEmpty() => new F1Score(Average);
}
