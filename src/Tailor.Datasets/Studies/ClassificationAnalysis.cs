using System.Globalization;
using System.Text;
using Tailor.Data;
using Tailor.Losses;
using Tailor.Metrics;
using Tailor.Models;
using Tailor.Tensors;
using Tailor.Visualization;

namespace Tailor.Studies;

/// <summary>
/// Which Fashion-MNIST classes a model confuses: its confusion matrix on a labelled set, the classification
/// report, the matrix as a table and a heatmap, and the most confused pairs with example images. The
/// notebook's own question (shirts against T-shirts, pullovers against coats) answered for one model.
/// </summary>
public sealed class ClassificationAnalysis
{
    private readonly LabeledTensors _set;
    private readonly int[] _predicted;

    private ClassificationAnalysis(LabeledTensors set, ConfusionMatrix matrix, int[] predicted, IReadOnlyList<string> classNames)
    {
        (_set, Matrix, _predicted, ClassNames) = (set, matrix, predicted, classNames);
    }

    public ConfusionMatrix Matrix { get; }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Runs <paramref name="model"/> over <paramref name="inputs"/> (the set's images as the model takes them) and counts its answers against <paramref name="set"/>'s labels.</summary>
    public static ClassificationAnalysis Of(Model model, Tensor inputs, LabeledTensors set, int batchSize = 256, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(set);
        var names = classNames ?? FashionMnist.ClassNames;
        return Of(model.Predict(inputs, batchSize), set, classNames);
    }

    /// <summary>Counts <paramref name="probabilities"/> (one row per image of <paramref name="set"/>, e.g. flip-averaged) against the set's labels.</summary>
    public static ClassificationAnalysis Of(Tensor probabilities, LabeledTensors set, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(set);
        var names = classNames ?? FashionMnist.ClassNames;
        int outputs = probabilities.ItemLength;
        var matrix = new ConfusionMatrix(ConfusionMatrix.ClassesOf(outputs));
        matrix.Add(new CategoricalCrossentropy(), probabilities.Span, set.OneHot.Span, set.Count, outputs);
        var predicted = new int[set.Count];
        for (int i = 0; i < set.Count; i++) predicted[i] = Metrics.Accuracy.ArgMax(probabilities.Span.Slice(i * outputs, outputs));
        return new ClassificationAnalysis(set, matrix, predicted, names);
    }

    /// <summary>scikit-learn's classification report.</summary>
    public string Report(int digits = 4) => ClassificationReport.Format(Matrix, ClassNames, digits);

    /// <summary>The matrix as text: a row per true class, a column per predicted class (numbered as the labels).</summary>
    public string MatrixTable()
    {
        int n = Matrix.Classes, nameWidth = ClassNames.Max(c => c.Length);
        int cellWidth = Math.Max(5, Matrix.Counts.Max().ToString("0", CultureInfo.InvariantCulture).Length + 1);
        var text = new StringBuilder("true \\ predicted".PadRight(nameWidth + 5));
        for (int p = 0; p < n; p++) text.Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(cellWidth));
        text.Append('\n');
        for (int t = 0; t < n; t++)
        {
            text.Append($"{t,2} ").Append(ClassNames[t].PadRight(nameWidth + 2));
            for (int p = 0; p < n; p++) text.Append(Matrix[t, p].ToString("0", CultureInfo.InvariantCulture).PadLeft(cellWidth));
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The <paramref name="count"/> most confused (true, predicted) pairs, each with its share of the true class.</summary>
    public IReadOnlyList<string> MostConfused(int count = 5) =>
        ClassificationReport.MostConfused(Matrix, count).Select(pair => string.Create(CultureInfo.InvariantCulture,
            $"{ClassNames[pair.TrueClass]} taken for {ClassNames[pair.PredictedClass]}: {pair.Count:0} of {Matrix.Support(pair.TrueClass):0} ({pair.Count / Matrix.Support(pair.TrueClass):P1})")).ToList();

    /// <summary>The heatmap PNG.</summary>
    public byte[] Heatmap(string title) => ConfusionMatrixPlot.Render(Matrix, ClassNames, title);

    /// <summary>
    /// A PNG of up to <paramref name="perPair"/> images of each of the <paramref name="pairs"/> most confused
    /// pairs, a row per pair, captioned "true -> predicted"; null when the model confused nothing.
    /// </summary>
    public byte[]? ConfusedExamples(int pairs = 3, int perPair = 6)
    {
        var rows = ClassificationReport.MostConfused(Matrix, pairs);
        if (rows.Count == 0) return null;
        int itemLength = _set.Images.ItemLength;
        var picked = new List<int>();
        var captions = new List<string>();
        foreach (var pair in rows)
        {
            var indices = Enumerable.Range(0, _set.Count).Where(i => _set.Labels[i] == pair.TrueClass && _predicted[i] == pair.PredictedClass).Take(perPair).ToList();
            // Each row holds perPair cells, blank (black) where the pair has fewer examples, so rows stay aligned.
            for (int k = 0; k < perPair; k++)
            {
                picked.Add(k < indices.Count ? indices[k] : -1);
                captions.Add(k < indices.Count ? $"{Short(ClassNames[pair.TrueClass])}>{Short(ClassNames[pair.PredictedClass])}" : "");
            }
        }
        var images = new Tensor([picked.Count, .. _set.Images.Shape[1..]]);
        for (int i = 0; i < picked.Count; i++)
            if (picked[i] >= 0) _set.Images.Span.Slice(picked[i] * itemLength, itemLength).CopyTo(images.Span.Slice(i * itemLength, itemLength));
        return ImageRendering.Grid(images, captions, columns: perPair, scale: 4, title: "Most confused: true > predicted");
    }

    private static string Short(string name) => name.Split('/')[0];
}
