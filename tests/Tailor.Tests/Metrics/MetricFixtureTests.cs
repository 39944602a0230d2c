using System.Text.Json;
using Tailor.Losses;
using Tailor.Metrics;

namespace Tailor.Tests.Metrics;

/// <summary>
/// The classification metrics against scikit-learn's on fixed predictions (Fixtures/metrics.json, written by
/// make_metric_fixtures.py), within 1e-6: per-class and averaged precision, recall and F1, the confusion
/// matrix, top-k accuracy and the one-vs-rest AUC, with absent classes and tied scores among the cases.
/// </summary>
public sealed class MetricFixtureTests
{
    private const double Tolerance = 1e-6;

    public static TheoryData<string> Cases() => new(Load().Select(c => c.GetProperty("name").GetString()!));

    /// <summary>The cases that hold <paramref name="key"/>: top-k needs several outputs, the AUC every class.</summary>
    public static TheoryData<string> CasesWith(string key) =>
        new(Load().Where(c => c.TryGetProperty(key, out _)).Select(c => c.GetProperty("name").GetString()!));

    private static List<JsonElement> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "metrics.json")));
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private sealed record Case(int Classes, int Outputs, int[] Labels, float[] Scores, JsonElement Expected)
    {
        public int Samples => Labels.Length;
        public Loss Loss => Outputs == 1 ? new BinaryCrossentropy() : new SparseCategoricalCrossentropy();
        public float[] Targets => Labels.Select(l => (float)l).ToArray();
    }

    private static Case Read(string name)
    {
        var e = Load().Single(c => c.GetProperty("name").GetString() == name);
        var rows = e.GetProperty("scores").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        return new Case(e.GetProperty("classes").GetInt32(), rows[0].Length, e.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            rows.SelectMany(r => r).ToArray(), e);
    }

    /// <summary>Updates <paramref name="metric"/> in two uneven batches, as an epoch would.</summary>
    private static double Run(Metric metric, Case c)
    {
        int first = c.Samples / 3;
        var targets = c.Targets;
        metric.Update(c.Loss, c.Scores.AsSpan(0, first * c.Outputs), targets.AsSpan(0, first), first, c.Outputs);
        metric.Update(c.Loss, c.Scores.AsSpan(first * c.Outputs), targets.AsSpan(first), c.Samples - first, c.Outputs);
        return metric.Result();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Precision_recall_and_f1_match_scikit_learn_per_class_and_averaged(string name)
    {
        var c = Read(name);
        foreach (var average in new[] { MetricAverage.Macro, MetricAverage.Weighted, MetricAverage.Micro })
        {
            var expected = c.Expected.GetProperty(average.ToString().ToLowerInvariant());
            Assert.Equal(expected.GetProperty("precision").GetDouble(), Run(new Precision(average), c), Tolerance);
            Assert.Equal(expected.GetProperty("recall").GetDouble(), Run(new Recall(average), c), Tolerance);
            Assert.Equal(expected.GetProperty("f1").GetDouble(), Run(new F1Score(average), c), Tolerance);
        }
        var f1 = new F1Score();
        Run(f1, c);
        var matrix = f1.Matrix!;
        foreach (var entry in c.Expected.GetProperty("per_class").EnumerateObject())
        {
            int k = int.Parse(entry.Name);
            Assert.Equal(entry.Value.GetProperty("precision").GetDouble(), matrix.Precision(k), Tolerance);
            Assert.Equal(entry.Value.GetProperty("recall").GetDouble(), matrix.Recall(k), Tolerance);
            Assert.Equal(entry.Value.GetProperty("f1").GetDouble(), matrix.F1(k), Tolerance);
            Assert.Equal(entry.Value.GetProperty("support").GetInt32(), matrix.Support(k));
        }
        Assert.Equal(c.Expected.GetProperty("accuracy").GetDouble(), matrix.Accuracy(), Tolerance);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_confusion_matrix_matches_scikit_learn_and_accuracy_agrees(string name)
    {
        var c = Read(name);
        var matrix = new ConfusionMatrix(ConfusionMatrix.ClassesOf(c.Outputs));
        matrix.Add(c.Loss, c.Scores, c.Targets, c.Samples, c.Outputs);

        var expected = c.Expected.GetProperty("confusion").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray();
        Assert.Equal(expected, matrix.Counts);
        Assert.Equal(c.Expected.GetProperty("accuracy").GetDouble(), Run(new Accuracy(), c), Tolerance);
    }

    [Theory]
    [MemberData(nameof(CasesWith), "top_k")]
    public void Top_k_accuracy_matches_scikit_learn(string name)
    {
        var c = Read(name);
        var topK = c.Expected.GetProperty("top_k");
        foreach (var entry in topK.EnumerateObject())
            Assert.Equal(entry.Value.GetDouble(), Run(new TopKAccuracy(int.Parse(entry.Name)), c), Tolerance);
    }

    [Theory]
    [MemberData(nameof(CasesWith), "auc")]
    public void The_roc_auc_matches_scikit_learn(string name)
    {
        var c = Read(name);
        var auc = c.Expected.GetProperty("auc");
        if (c.Outputs == 1)
        {
            Assert.Equal(auc.GetProperty("binary").GetDouble(), RocAuc.Binary(c.Scores, c.Labels.Select(l => l == 1).ToArray()), Tolerance);
            return;
        }
        Assert.Equal(auc.GetProperty("macro").GetDouble(), RocAuc.OneVsRest(c.Scores, c.Labels, c.Classes), Tolerance);
        Assert.Equal(auc.GetProperty("weighted").GetDouble(), RocAuc.OneVsRest(c.Scores, c.Labels, c.Classes, MetricAverage.Weighted), Tolerance);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_classification_report_is_scikit_learns_text(string name)
    {
        var c = Read(name);
        var matrix = new ConfusionMatrix(ConfusionMatrix.ClassesOf(c.Outputs));
        matrix.Add(c.Loss, c.Scores, c.Targets, c.Samples, c.Outputs);
        var reportNames = c.Expected.GetProperty("report_names").EnumerateArray().Select(n => n.GetString()!).ToArray();
        // The fixture names the classes that occur; the report takes a name per class of the matrix.
        var present = Enumerable.Range(0, matrix.Classes).Where(k => matrix.Support(k) > 0 || matrix.Predicted(k) > 0).ToList();
        var names = Enumerable.Range(0, matrix.Classes).Select(k => present.IndexOf(k) is int i and >= 0 ? reportNames[i] : $"unused {k}").ToArray();

        foreach (var entry in c.Expected.GetProperty("report").EnumerateObject())
            Assert.Equal(entry.Value.GetString(), ClassificationReport.Format(matrix, names, int.Parse(entry.Name)));
    }
}
