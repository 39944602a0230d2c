using System.Text.Json;
using Tailor.Kernels;
using Tailor.Losses;
using Xunit.Abstractions;

namespace Tailor.Tests.Losses;

/// <summary>
/// The weighted losses against PyTorch's CrossEntropyLoss(weight, label_smoothing) and BCEWithLogitsLoss(weight)
/// on a fixed batch (Fixtures/losses.json, written by make_loss_fixtures.py): per sample ('none'), summed, averaged,
/// and dL/dlogits of the sum and of the mean, from logits and through the fused softmax or sigmoid.
/// </summary>
/// <remarks>
/// Tailor weighs as Keras does: sum_n s_n l_n / N, with class_weight giving s_n = w[y_n]. PyTorch's 'sum' is therefore
/// Tailor's value times N, and its 'mean' (sum_n w[y_n] l_n / sum_n w[y_n]) that sum over the weights' sum. With both
/// class weights and label smoothing PyTorch weighs the smoothing term per class, which no sample weight can express;
/// that case is matched through soft targets instead, and Keras's class_weight is shown to differ from it.
/// </remarks>
public sealed class TorchLossFixtureTests(ITestOutputHelper output)
{
    /// <summary>|Tailor - PyTorch| &lt;= Tolerance max(1, |PyTorch|): absolute up to 1, relative above (the sums reach 40).</summary>
    private const double Tolerance = 1e-6;

    private static readonly Lazy<JsonElement> Fixture = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "losses.json")));
        return document.RootElement.Clone();
    });

    /// <summary>The cross-entropy batch: logits (samples x classes), labels, class weights and the smoothing, as PyTorch saw them.</summary>
    private sealed class CrossEntropyBatch
    {
        private readonly JsonElement _root = Fixture.Value.GetProperty("cross_entropy");

        public float[] Logits => Floats(_root.GetProperty("logits"));
        public int[] Labels => _root.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        public float[] ClassWeight => Floats(_root.GetProperty("class_weight"));
        public float Smoothing => _root.GetProperty("label_smoothing").GetSingle();
        public int Samples => Labels.Length;
        public int Classes => ClassWeight.Length;

        public JsonElement Case(string name) => _root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

        public float[] OneHot()
        {
            var t = new float[Samples * Classes];
            var labels = Labels;
            for (int n = 0; n < Samples; n++) t[n * Classes + labels[n]] = 1;
            return t;
        }

        /// <summary>What class_weight gives each sample: the weight of its label.</summary>
        public float[] WeightOfLabel() => Labels.Select(y => ClassWeight[y]).ToArray();
    }

    /// <summary>The largest difference of each compared quantity, written to the test output; the failures, asserted at the end.</summary>
    private sealed class Differences(ITestOutputHelper output, string name)
    {
        private readonly List<string> _failures = [];

        public void Check(string what, IReadOnlyList<double> actual, IReadOnlyList<double> expected)
        {
            Assert.Equal(expected.Count, actual.Count);
            double worst = 0;
            int at = -1;
            for (int i = 0; i < expected.Count; i++)
            {
                double difference = Math.Abs(actual[i] - expected[i]);
                worst = Math.Max(worst, difference);
                if (at < 0 && !(difference <= Tolerance * Math.Max(1, Math.Abs(expected[i])))) at = i;
            }
            output.WriteLine($"{name}: {what,-22} max |difference| {worst:E2}");
            if (at >= 0)
                _failures.Add($"{what}: |difference| {Math.Abs(actual[at] - expected[at]):E3} at index {at} (Tailor {actual[at]:R}, PyTorch {expected[at]:R})");
        }

        public void Check(string what, double actual, double expected) => Check(what, [actual], [expected]);

        public void AssertNone() =>
            Assert.True(_failures.Count == 0, $"{name}: Tailor differs from PyTorch by more than {Tolerance:E0} (relative above 1):\n" + string.Join("\n", _failures));
    }

    private static float[] Floats(JsonElement nested) => Doubles(nested).Select(v => (float)v).ToArray();

    /// <summary>The numbers of a (nested) JSON array, row by row.</summary>
    private static double[] Doubles(JsonElement nested) =>
        nested.ValueKind == JsonValueKind.Array ? nested.EnumerateArray().SelectMany(Doubles).ToArray() : [nested.GetDouble()];

    private static double[] Scaled(float[] values, double factor) => values.Select(v => v * factor).ToArray();

    /// <summary>
    /// Tailor's loss of <paramref name="logits"/> (or of their <paramref name="activation"/>, with the fused gradient a model
    /// takes) against one PyTorch case. <paramref name="itemLength"/> is the outputs one 'none' value covers: the classes
    /// of a sample, or one output of the binary loss. <paramref name="toSum"/> and <paramref name="toMean"/> turn Tailor's
    /// value and gradient into PyTorch's 'sum' and 'mean'.
    /// </summary>
    private static void Compare(Differences differences, Loss loss, bool fromLogits, Activation activation, float[] logits, float[] targets,
        float[] sampleWeights, int samples, int outputs, int itemLength, double toSum, double toMean, JsonElement expected)
    {
        var predictions = logits;
        var gradient = new float[logits.Length];
        float value;
        if (fromLogits) value = loss.Compute(predictions, targets, sampleWeights, samples, outputs, gradient);
        else
        {
            Assert.True(loss.FusesWith(activation));
            predictions = new float[logits.Length];
            Activations.Forward(activation, logits, predictions, outputs);
            value = loss.Compute(predictions, targets, sampleWeights, samples, outputs, default);
            loss.PreActivationGradient(predictions, targets, sampleWeights, samples, outputs, gradient);
        }

        int targetLength = loss.TargetLength(itemLength), items = logits.Length / itemLength;
        var perItem = new double[items];
        for (int i = 0; i < items; i++)
        {
            int sample = i * itemLength / outputs;
            perItem[i] = loss.Compute(predictions.AsSpan(i * itemLength, itemLength), targets.AsSpan(i * targetLength, targetLength),
                sampleWeights.Length == 0 ? default : sampleWeights.AsSpan(sample, 1), 1, itemLength, default);
        }
        differences.Check("none", perItem, Doubles(expected.GetProperty("none")));
        differences.Check("sum", value * toSum, expected.GetProperty("sum").GetDouble());
        differences.Check("mean", value * toMean, expected.GetProperty("mean").GetDouble());
        differences.Check("dL/dlogits of sum", Scaled(gradient, toSum), Doubles(expected.GetProperty("gradient_sum")));
        differences.Check("dL/dlogits of mean", Scaled(gradient, toMean), Doubles(expected.GetProperty("gradient_mean")));
    }

    public static TheoryData<string, string, bool> CrossEntropyCases() => new()
    {
        { "categorical_crossentropy", "plain", true }, { "categorical_crossentropy", "plain", false },
        { "categorical_crossentropy", "weight", true }, { "categorical_crossentropy", "weight", false },
        { "categorical_crossentropy", "label smoothing", true }, { "categorical_crossentropy", "label smoothing", false },
        { "sparse_categorical_crossentropy", "plain", true }, { "sparse_categorical_crossentropy", "plain", false },
        { "sparse_categorical_crossentropy", "weight", true }, { "sparse_categorical_crossentropy", "weight", false },
    };

    /// <summary>
    /// Class weights alone, or label smoothing alone: PyTorch's label_smoothing eps is Keras's (targets (1 - eps) onehot + eps / K),
    /// and its weight[y_n] is Keras's sample weight of sample n up to the denominator of 'mean'.
    /// </summary>
    [Theory]
    [MemberData(nameof(CrossEntropyCases))]
    public void The_loss_with_the_weight_of_each_label_as_sample_weight_matches_CrossEntropyLoss(string lossName, string caseName, bool fromLogits)
    {
        var batch = new CrossEntropyBatch();
        var expected = batch.Case(caseName);
        float smoothing = expected.GetProperty("label_smoothing").GetSingle();
        bool sparse = lossName == "sparse_categorical_crossentropy";
        Assert.True(!sparse || smoothing == 0, "Keras's sparse categorical cross-entropy has no label_smoothing.");
        Loss loss = sparse ? new SparseCategoricalCrossentropy(fromLogits) : new CategoricalCrossentropy(fromLogits, smoothing);
        var targets = sparse ? batch.Labels.Select(y => (float)y).ToArray() : batch.OneHot();
        // Unweighted cases go through the plain Compute (no weights at all); weighted ones through class_weight's weights.
        var weights = expected.GetProperty("weighted").GetBoolean() ? batch.WeightOfLabel() : [];
        double weightSum = weights.Length == 0 ? batch.Samples : weights.Sum(w => (double)w);

        var differences = new Differences(output, $"{lossName} '{caseName}' {(fromLogits ? "from logits" : "after softmax")}");
        Compare(differences, loss, fromLogits, Activation.Softmax, batch.Logits, targets, weights, batch.Samples, batch.Classes, batch.Classes,
            toSum: batch.Samples, toMean: batch.Samples / weightSum, expected);
        differences.AssertNone();
    }

    /// <summary>
    /// PyTorch with weight w and label_smoothing eps takes l_n = (1 - eps) w[y_n] (-log p_n,y_n) + eps / K sum_c w[c] (-log p_n,c):
    /// the smoothing term is weighed per class, not per sample. That is the categorical cross-entropy of the soft targets
    /// t_n,c = (1 - eps) w[y_n] [c = y_n] + eps / K w[c], with no sample weight; 'mean' divides the sum by sum_n w[y_n].
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Class_weights_with_label_smoothing_as_PyTorch_takes_them_are_the_loss_of_targets_weighted_per_class(bool fromLogits)
    {
        var batch = new CrossEntropyBatch();
        var expected = batch.Case("weight and label smoothing");
        double eps = expected.GetProperty("label_smoothing").GetDouble();
        var (labels, w, classes) = (batch.Labels, batch.ClassWeight, batch.Classes);
        var targets = new float[batch.Samples * classes];
        for (int n = 0; n < batch.Samples; n++)
            for (int c = 0; c < classes; c++)
                targets[n * classes + c] = (float)((c == labels[n] ? (1 - eps) * w[labels[n]] : 0) + eps / classes * w[c]);
        double weightSum = batch.WeightOfLabel().Sum(v => (double)v);

        var differences = new Differences(output, $"soft targets for weight and label smoothing {(fromLogits ? "from logits" : "after softmax")}");
        Compare(differences, new CategoricalCrossentropy(fromLogits), fromLogits, Activation.Softmax, batch.Logits, targets, [], batch.Samples, classes, classes,
            toSum: batch.Samples, toMean: batch.Samples / weightSum, expected);
        differences.AssertNone();
    }

    /// <summary>
    /// Keras's class_weight with label_smoothing weighs each sample's whole smoothed loss by w[y_n]: PyTorch's unweighted smoothed
    /// loss times w[y_n], which is not PyTorch's weighted smoothed loss (see the test above) unless every class weighs the same.
    /// </summary>
    [Fact]
    public void Keras_class_weights_with_label_smoothing_weigh_the_whole_sample_and_so_differ_from_PyTorch()
    {
        var batch = new CrossEntropyBatch();
        var loss = new CategoricalCrossentropy(fromLogits: true, batch.Smoothing);
        var (logits, targets, weights, classes) = (batch.Logits, batch.OneHot(), batch.WeightOfLabel(), batch.Classes);
        var perSample = Enumerable.Range(0, batch.Samples)
            .Select(n => (double)loss.Compute(logits.AsSpan(n * classes, classes), targets.AsSpan(n * classes, classes), weights.AsSpan(n, 1), 1, classes, default))
            .ToArray();
        var smoothed = Doubles(batch.Case("label smoothing").GetProperty("none"));

        var differences = new Differences(output, "Keras's class_weight with label smoothing");
        differences.Check("w[y_n] x smoothed none", perSample, smoothed.Select((l, n) => weights[n] * l).ToArray());
        differences.AssertNone();

        var pyTorch = Doubles(batch.Case("weight and label smoothing").GetProperty("none"));
        double apart = perSample.Zip(pyTorch, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"Keras's and PyTorch's weighted smoothed losses per sample differ by up to {apart:F4}");
        Assert.True(apart > 0.01, $"Keras's class_weight with label smoothing was expected to differ from PyTorch's; the largest difference is {apart:E2}.");
    }

    /// <summary>
    /// BCEWithLogitsLoss(weight) with a weight per sample (shape (N, 1)) averages over all N x M outputs as Keras does, so its
    /// 'mean' is Tailor's value itself; Keras's label smoothing t (1 - eps) + eps / 2 is given to PyTorch as smoothed targets.
    /// </summary>
    [Theory]
    [InlineData("plain", true)]
    [InlineData("plain", false)]
    [InlineData("label smoothing", true)]
    [InlineData("label smoothing", false)]
    public void Binary_crossentropy_with_sample_weights_matches_BCEWithLogitsLoss(string caseName, bool fromLogits)
    {
        var root = Fixture.Value.GetProperty("binary_cross_entropy");
        var expected = root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == caseName);
        var logits = Floats(root.GetProperty("logits"));
        int outputs = root.GetProperty("logits")[0].GetArrayLength(), samples = logits.Length / outputs;
        var loss = new BinaryCrossentropy(fromLogits, expected.GetProperty("label_smoothing").GetSingle());

        var differences = new Differences(output, $"binary_crossentropy '{caseName}' {(fromLogits ? "from logits" : "after sigmoid")}");
        Compare(differences, loss, fromLogits, Activation.Sigmoid, logits, Floats(root.GetProperty("targets")), Floats(root.GetProperty("sample_weight")),
            samples, outputs, itemLength: 1, toSum: samples * outputs, toMean: 1, expected);
        differences.AssertNone();
    }
}
