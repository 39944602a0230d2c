using Tailor.Common;
using Tailor.Kernels;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Serialization;
using Tailor.Tests.Data;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Losses;

/// <summary>
/// Keras's from_logits and label_smoothing: each loss's value against a double reference and its gradient
/// against float64 finite differences of that reference, fused gradients included; the settings kept by model files.
/// </summary>
public sealed class LossOptionsTests
{
    private const double ValueTolerance = 1e-5, GradientTolerance = 1e-4;
    private const int Batch = 4, Outputs = 5;

    private static double[] Smooth(double[] t, double s, double spread) => t.Select(v => v * (1 - s) + spread).ToArray();

    private static double[] LogSoftmaxRows(double[] z, int outputs)
    {
        var result = new double[z.Length];
        for (int r = 0; r < z.Length / outputs; r++)
        {
            var row = z.Skip(r * outputs).Take(outputs).ToArray();
            double max = row.Max(), log = max + Math.Log(row.Sum(v => Math.Exp(v - max)));
            for (int j = 0; j < outputs; j++) result[r * outputs + j] = row[j] - log;
        }
        return result;
    }

    private static double CategoricalFromLogits(double[] z, double[] t, int batch, int outputs)
    {
        var logp = LogSoftmaxRows(z, outputs);
        return -logp.Zip(t, (l, v) => l * v).Sum() / batch;
    }

    private static void Check(Loss loss, float[] x, float[] t, int batch, int outputs, Func<double[], double> reference)
    {
        var gradient = new float[x.Length];
        float value = loss.Compute(x, t, batch, outputs, gradient);
        var xd = RandomData.ToDouble(x);
        double expected = reference(xd);
        Assert.True(Math.Abs(value - expected) <= ValueTolerance * Math.Max(1, Math.Abs(expected)), $"{loss.Name} {string.Join(",", loss.GetOptions())}: {value:R}, expected {expected:R}");
        Assert.Equal(value, loss.Compute(x, t, batch, outputs, default));
        var comparison = Comparison.Of($"{loss.Name} dL/dx", gradient, FiniteDifference.Gradient(() => reference(xd), xd), GradientTolerance);
        Assert.True(comparison.Passed, comparison.ToString());
    }

    private static float[] OneHot(Rng rng, int batch, int outputs)
    {
        var t = new float[batch * outputs];
        for (int r = 0; r < batch; r++) t[r * outputs + rng.NextInt(outputs)] = 1;
        return t;
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void Categorical_from_logits_is_the_log_softmax_loss_of_the_smoothed_targets(float smoothing)
    {
        var rng = new Rng(1);
        var z = RandomData.Uniform(rng, Batch * Outputs, -6, 6);
        var t = OneHot(rng, Batch, Outputs);
        var smoothed = Smooth(RandomData.ToDouble(t), smoothing, smoothing / Outputs);
        Check(new CategoricalCrossentropy(fromLogits: true, labelSmoothing: smoothing), z, t, Batch, Outputs, x => CategoricalFromLogits(x, smoothed, Batch, Outputs));
    }

    [Fact]
    public void Categorical_on_probabilities_smooths_the_targets_as_keras()
    {
        var rng = new Rng(2);
        var p = RandomData.Uniform(rng, Batch * Outputs, 0.05f, 0.95f);
        var t = OneHot(rng, Batch, Outputs);
        var smoothed = Smooth(RandomData.ToDouble(t), 0.2, 0.2 / Outputs);
        Check(new CategoricalCrossentropy(labelSmoothing: 0.2f), p, t, Batch, Outputs, x => LossReference.CategoricalCrossentropy(x, smoothed, Batch));
    }

    [Fact]
    public void Sparse_from_logits_is_the_log_softmax_of_the_label()
    {
        var rng = new Rng(3);
        var z = RandomData.Uniform(rng, Batch * Outputs, -6, 6);
        var labels = Enumerable.Range(0, Batch).Select(_ => rng.NextInt(Outputs)).ToArray();
        var oneHot = new double[Batch * Outputs];
        for (int r = 0; r < Batch; r++) oneHot[r * Outputs + labels[r]] = 1;
        Check(new SparseCategoricalCrossentropy(fromLogits: true), z, labels.Select(l => (float)l).ToArray(), Batch, Outputs, x => CategoricalFromLogits(x, oneHot, Batch, Outputs));
    }

    [Theory]
    [InlineData(true, 0f)]
    [InlineData(true, 0.1f)]
    [InlineData(false, 0.1f)]
    public void Binary_from_logits_and_smoothed(bool fromLogits, float smoothing)
    {
        var rng = new Rng(4);
        var x = fromLogits ? RandomData.Uniform(rng, Batch * Outputs, -8, 8) : RandomData.Uniform(rng, Batch * Outputs, 0.05f, 0.95f);
        var t = RandomData.Uniform(rng, Batch * Outputs, 0, 1).Select(v => v > 0.5f ? 1f : 0f).ToArray();
        var smoothed = Smooth(RandomData.ToDouble(t), smoothing, smoothing / 2);
        Check(new BinaryCrossentropy(fromLogits, smoothing), x, t, Batch, Outputs,
            v => LossReference.BinaryCrossentropy(fromLogits ? v.Select(z => 1 / (1 + Math.Exp(-z))).ToArray() : v, smoothed));
    }

    [Theory]
    [InlineData("categorical_crossentropy", Activation.Softmax)]
    [InlineData("binary_crossentropy", Activation.Sigmoid)]
    public void The_fused_gradient_of_a_smoothed_loss_is_its_derivative_through_the_output_activation(string name, Activation activation)
    {
        var loss = Loss.Create(name, fromLogits: false, labelSmoothing: 0.15f);
        Assert.True(loss.FusesWith(activation));
        Assert.False(Loss.Create(name, fromLogits: true, labelSmoothing: 0.15f).FusesWith(activation));
        var rng = new Rng(5);
        var z = RandomData.Uniform(rng, Batch * Outputs, -3, 3);
        var t = OneHot(rng, Batch, Outputs);
        var p = new float[z.Length];
        Activations.Forward(activation, z, p, Outputs);
        var gradient = new float[z.Length];
        loss.PreActivationGradient(p, t, Batch, Outputs, gradient);

        var zd = RandomData.ToDouble(z);
        var pd = new double[zd.Length];
        var smoothed = Smooth(RandomData.ToDouble(t), 0.15, name == "binary_crossentropy" ? 0.075 : 0.15 / Outputs);
        var numeric = FiniteDifference.Gradient(() =>
        {
            ActivationReference.Forward(activation, zd, pd, Outputs);
            return name == "binary_crossentropy" ? LossReference.BinaryCrossentropy(pd, smoothed) : LossReference.CategoricalCrossentropy(pd, smoothed, Batch);
        }, zd);
        var comparison = Comparison.Of($"{name} smoothed after {activation}", gradient, numeric, GradientTolerance);
        Assert.True(comparison.Passed, comparison.ToString());
    }

    [Fact]
    public void Bad_settings_are_refused_naming_them()
    {
        Assert.Contains("label_smoothing must be in [0, 1], received 1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new CategoricalCrossentropy(labelSmoothing: 1.5f)).Message);
        Assert.Contains("takes no from_logits", Assert.Throws<ArgumentException>(() => Loss.Create("mean_squared_error", true, 0)).Message);
    }

    [Fact]
    public void A_model_file_keeps_the_settings_and_a_default_loss_writes_none()
    {
        using var folder = new TempDirectory();
        var model = Tailor.Tests.Serialization.ModelFileTests.MixedModel();
        model.Compile(new Tailor.Optimizers.Adam(), new CategoricalCrossentropy(fromLogits: true, labelSmoothing: 0.1f), "accuracy");
        model.Build(12, 10, 2);
        model.Save(folder.File("options.safetensors"));
        var loaded = Sequential.Load(folder.File("options.safetensors"));
        var loss = Assert.IsType<CategoricalCrossentropy>(loaded.Loss);
        Assert.Equal((true, 0.1f), (loss.FromLogits, loss.LabelSmoothing));

        var plain = Tailor.Tests.Serialization.ModelFileTests.MixedModel();
        plain.Compile("adam", "categorical_crossentropy", "accuracy");
        plain.Build(12, 10, 2);
        plain.Save(folder.File("plain.safetensors"));
        Assert.DoesNotContain("loss_options", File.ReadAllText(folder.File("plain.safetensors")));
    }
}
