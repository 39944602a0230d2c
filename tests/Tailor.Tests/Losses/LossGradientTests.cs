using Tailor.Common;
using Tailor.Kernels;
using Tailor.Losses;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Losses;

/// <summary>
/// Each loss's value against a double reference (Keras's clipping at 1e-7 and renormalisation
/// included), its gradient against float64 finite differences of that reference, and the fused
/// gradient (softmax or sigmoid with its cross-entropy) against finite differences through the
/// activation.
/// </summary>
public class LossGradientTests
{
    private const double ValueTolerance = 1e-5;
    private const double GradientTolerance = 1e-4;

    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var name in Loss.Names)
        foreach (var (batch, outputs) in new[] { (1, 1), (1, 3), (4, 2), (3, 10), (8, 5) })
            data.Add(name, batch, outputs);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Value_and_gradient_match_the_reference(string name, int batch, int outputs)
    {
        var loss = Loss.Parse(name);
        var rng = new Rng((ulong)(name.Length * 100 + batch * 10 + outputs));
        // Probabilities not normalised, so that categorical cross-entropy's rescaling is part of what is checked.
        var p = name == "mean_squared_error" ? RandomData.Uniform(rng, batch * outputs, -2, 2) : RandomData.Uniform(rng, batch * outputs, 0.05f, 0.95f);
        var t = Targets(name, rng, batch, outputs);
        Check(loss, p, t, batch, outputs, Reference(name, t, batch));
    }

    [Fact]
    public void Softmax_outputs_and_soft_targets()
    {
        var rng = new Rng(8);
        const int batch = 4, outputs = 6;
        var p = new float[batch * outputs];
        Activations.Forward(Activation.Softmax, RandomData.Uniform(rng, p.Length, -3, 3), p, outputs);
        var soft = RandomData.Uniform(rng, p.Length, 0, 1);
        for (int r = 0; r < batch; r++)
        {
            float sum = soft.AsSpan(r * outputs, outputs).ToArray().Sum();
            for (int j = 0; j < outputs; j++) soft[r * outputs + j] /= sum;
        }
        Check(new CategoricalCrossentropy(), p, soft, batch, outputs, Reference("categorical_crossentropy", soft, batch));
        Check(new BinaryCrossentropy(), p, soft, batch, outputs, Reference("binary_crossentropy", soft, batch));
    }

    /// <summary>
    /// Where the clip bites, the loss no longer depends on that probability (Keras's clip has zero
    /// gradient there), so the gradient must not be -t / 1e-7. Finite differences with a step that
    /// stays inside the clipped region.
    /// </summary>
    [Theory]
    [InlineData("categorical_crossentropy")]
    [InlineData("sparse_categorical_crossentropy")]
    [InlineData("binary_crossentropy")]
    public void Clipped_probabilities_get_the_gradient_of_the_clipped_loss(string name)
    {
        const int batch = 2, outputs = 3;
        float[] p = [1e-9f, 0.5f, 0.5f, 0.2f, 0.3f, 0.5f];
        float[] t = name == "sparse_categorical_crossentropy" ? [0f, 2f] : [1f, 0f, 0f, 0f, 0f, 1f];
        Check(Loss.Parse(name), p, t, batch, outputs, Reference(name, t, batch), step: 1e-10);
    }

    public static TheoryData<string, Activation, int, int> Fused() => new()
    {
        { "categorical_crossentropy", Activation.Softmax, 3, 10 },
        { "categorical_crossentropy", Activation.Softmax, 1, 2 },
        { "sparse_categorical_crossentropy", Activation.Softmax, 4, 7 },
        { "binary_crossentropy", Activation.Sigmoid, 3, 1 },
        { "binary_crossentropy", Activation.Sigmoid, 2, 5 },
    };

    [Theory]
    [MemberData(nameof(Fused))]
    public void Fused_gradient_is_the_derivative_through_the_output_activation(string name, Activation activation, int batch, int outputs)
    {
        var loss = Loss.Parse(name);
        Assert.True(loss.FusesWith(activation));
        var rng = new Rng((ulong)(batch * 10 + outputs));
        var z = RandomData.Uniform(rng, batch * outputs, -3, 3);
        var t = Targets(name, rng, batch, outputs);
        var p = new float[z.Length];
        Activations.Forward(activation, z, p, outputs);
        var gradient = new float[z.Length];
        loss.PreActivationGradient(p, t, batch, outputs, gradient);

        var lossOfP = Reference(name, t, batch);
        var zd = RandomData.ToDouble(z);
        var pd = new double[zd.Length];
        var numeric = FiniteDifference.Gradient(() =>
        {
            ActivationReference.Forward(activation, zd, pd, outputs);
            return lossOfP(pd);
        }, zd);
        var comparison = Comparison.Of($"{name} after {activation}, dL/dz", gradient, numeric, GradientTolerance);
        Assert.True(comparison.Passed, comparison.ToString());
    }

    [Fact]
    public void Sparse_labels_outside_the_classes_are_refused_with_the_sample()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new SparseCategoricalCrossentropy().Compute([0.5f, 0.5f, 0.5f, 0.5f], [1f, 2f], 2, 2, default));
        Assert.Contains("[0, 2)", e.Message);
        Assert.Contains("received 2 for sample 1", e.Message);
    }

    private static void Check(Loss loss, float[] p, float[] t, int batch, int outputs, Func<double[], double> reference, double step = FiniteDifference.Step)
    {
        var gradient = new float[p.Length];
        float value = loss.Compute(p, t, batch, outputs, gradient);
        float valueOnly = loss.Compute(p, t, batch, outputs, default);
        var pd = RandomData.ToDouble(p);
        double expected = reference(pd);
        Assert.True(Math.Abs(value - expected) <= ValueTolerance * Math.Max(1, Math.Abs(expected)), $"{loss.Name}: {value:R}, expected {expected:R}");
        Assert.Equal(value, valueOnly);
        var comparison = Comparison.Of($"{loss.Name} dL/dp", gradient, FiniteDifference.Gradient(() => reference(pd), pd, step), GradientTolerance);
        Assert.True(comparison.Passed, comparison.ToString());
    }

    private static float[] Targets(string name, Rng rng, int batch, int outputs)
    {
        switch (name)
        {
            case "sparse_categorical_crossentropy":
                return Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(outputs)).ToArray();
            case "categorical_crossentropy":
            {
                var t = new float[batch * outputs];
                for (int r = 0; r < batch; r++) t[r * outputs + rng.NextInt(outputs)] = 1;
                return t;
            }
            case "binary_crossentropy":
                return Enumerable.Range(0, batch * outputs).Select(_ => (float)rng.NextInt(2)).ToArray();
            default:
                return RandomData.Uniform(rng, batch * outputs, -2, 2);
        }
    }

    private static Func<double[], double> Reference(string name, float[] t, int batch)
    {
        var td = RandomData.ToDouble(t);
        return name switch
        {
            "categorical_crossentropy" => p => LossReference.CategoricalCrossentropy(p, td, batch),
            "sparse_categorical_crossentropy" => p => LossReference.SparseCategoricalCrossentropy(p, t.Select(v => (int)v).ToArray(), batch),
            "binary_crossentropy" => p => LossReference.BinaryCrossentropy(p, td),
            "mean_squared_error" => p => LossReference.MeanSquaredError(p, td),
            _ => throw new ArgumentException(name),
        };
    }
}
