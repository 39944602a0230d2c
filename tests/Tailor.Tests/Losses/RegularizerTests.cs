using Tailor.Common;
using Tailor.Regularizers;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Losses;

public class RegularizerTests
{
    [Theory]
    [InlineData(0.01f, 0f)]
    [InlineData(0f, 0.02f)]
    [InlineData(0.003f, 0.05f)]
    public void Penalty_and_its_gradient_match_the_reference(float l1, float l2)
    {
        var regularizer = new Regularizer(l1, l2);
        var w = RandomData.Uniform(new Rng(4), 37);
        for (int i = 0; i < w.Length; i++) if (Math.Abs(w[i]) < 1e-3f) w[i] = 0.5f; // |w| has a kink at zero
        var wd = RandomData.ToDouble(w);
        double Reference() => wd.Sum(v => l1 * Math.Abs(v) + l2 * v * v);

        Assert.Equal(Reference(), regularizer.Penalty(w), 1e-5 * Math.Max(1, Reference()));
        var gradient = RandomData.Uniform(new Rng(5), w.Length);
        var before = RandomData.ToDouble(gradient);
        regularizer.AddGradient(w, gradient);
        var numeric = FiniteDifference.Gradient(Reference, wd);
        var added = gradient.Select((g, i) => (float)(g - before[i])).ToArray();
        var comparison = Comparison.Of("penalty gradient", added, numeric, 1e-4);
        Assert.True(comparison.Passed, comparison.ToString());
    }
}
