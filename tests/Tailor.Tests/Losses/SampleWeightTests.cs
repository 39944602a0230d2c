using Tailor.Common;
using Tailor.Kernels;
using Tailor.Losses;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Losses;

/// <summary>
/// Keras's sample_weight on every loss: sum_i w_i l_i / batch, its value against the per-sample double
/// reference, its gradient (fused ones included) against finite differences of the weighted reference.
/// </summary>
public sealed class SampleWeightTests
{
    private const double ValueTolerance = 1e-5, GradientTolerance = 1e-4;
    private const int Batch = 5, Outputs = 4;

    public static TheoryData<string> Names() => new(Loss.Names);

    /// <summary>The loss of one sample, from the double references of LossGradientTests' kind.</summary>
    private static double SampleLoss(string name, double[] x, float[] t, int row)
    {
        var p = x.Skip(row * Outputs).Take(Outputs).ToArray();
        return name switch
        {
            "sparse_categorical_crossentropy" => LossReference.SparseCategoricalCrossentropy(p, [(int)t[row]], 1),
            "categorical_crossentropy" => LossReference.CategoricalCrossentropy(p, TargetRow(t, row), 1),
            "binary_crossentropy" => LossReference.BinaryCrossentropy(p, TargetRow(t, row)),
            _ => LossReference.MeanSquaredError(p, TargetRow(t, row)),
        };
    }

    private static double[] TargetRow(float[] t, int row) => t.Skip(row * Outputs).Take(Outputs).Select(v => (double)v).ToArray();

    private static double Weighted(string name, double[] x, float[] t, float[] w) =>
        Enumerable.Range(0, Batch).Sum(r => w[r] * SampleLoss(name, x, t, r)) / Batch;

    private static (float[] P, float[] T, float[] W) Data(string name, ulong seed)
    {
        var rng = new Rng(seed);
        var p = name == "mean_squared_error" ? RandomData.Uniform(rng, Batch * Outputs, -2, 2) : RandomData.Uniform(rng, Batch * Outputs, 0.05f, 0.95f);
        float[] t;
        if (name == "sparse_categorical_crossentropy") t = Enumerable.Range(0, Batch).Select(_ => (float)rng.NextInt(Outputs)).ToArray();
        else
        {
            t = new float[Batch * Outputs];
            for (int r = 0; r < Batch; r++) t[r * Outputs + rng.NextInt(Outputs)] = 1;
        }
        var w = RandomData.Uniform(rng, Batch, 0, 3);
        w[1] = 0;  // a sample that does not count
        return (p, t, w);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_weighted_loss_and_its_gradient_match_the_reference(string name)
    {
        var loss = Loss.Parse(name);
        var (p, t, w) = Data(name, (ulong)name.Length);
        var gradient = new float[p.Length];
        float value = loss.Compute(p, t, w, Batch, Outputs, gradient);

        var pd = RandomData.ToDouble(p);
        double expected = Weighted(name, pd, t, w);
        Assert.True(Math.Abs(value - expected) <= ValueTolerance * Math.Max(1, Math.Abs(expected)), $"{name}: {value:R}, expected {expected:R}");
        Assert.Equal(value, loss.Compute(p, t, w, Batch, Outputs, default));
        var comparison = Comparison.Of($"weighted {name} dL/dp", gradient, FiniteDifference.Gradient(() => Weighted(name, pd, t, w), pd), GradientTolerance);
        Assert.True(comparison.Passed, comparison.ToString());
    }

    [Theory]
    [InlineData("categorical_crossentropy", Activation.Softmax)]
    [InlineData("sparse_categorical_crossentropy", Activation.Softmax)]
    [InlineData("binary_crossentropy", Activation.Sigmoid)]
    public void The_weighted_fused_gradient_is_the_derivative_through_the_output_activation(string name, Activation activation)
    {
        var loss = Loss.Parse(name);
        var (_, t, w) = Data(name, 9);
        var z = RandomData.Uniform(new Rng(10), Batch * Outputs, -3, 3);
        var p = new float[z.Length];
        Activations.Forward(activation, z, p, Outputs);
        var gradient = new float[z.Length];
        loss.PreActivationGradient(p, t, w, Batch, Outputs, gradient);

        var zd = RandomData.ToDouble(z);
        var pd = new double[zd.Length];
        var numeric = FiniteDifference.Gradient(() =>
        {
            ActivationReference.Forward(activation, zd, pd, Outputs);
            return Weighted(name, pd, t, w);
        }, zd);
        var comparison = Comparison.Of($"weighted {name} after {activation}", gradient, numeric, GradientTolerance);
        Assert.True(comparison.Passed, comparison.ToString());
    }

    [Fact]
    public void Weights_of_one_give_the_plain_loss_and_a_wrong_count_is_refused()
    {
        var (p, t, _) = Data("categorical_crossentropy", 11);
        var loss = new CategoricalCrossentropy();
        float plain = loss.Compute(p, t, Batch, Outputs, default);
        Assert.Equal(plain, loss.Compute(p, t, Enumerable.Repeat(1f, Batch).ToArray(), Batch, Outputs, default), 6);
        Assert.Contains("3 sample weights for a batch of 5", Assert.Throws<ArgumentException>(() => loss.Compute(p, t, [1f, 1f, 1f], Batch, Outputs, default)).Message);
    }
}
