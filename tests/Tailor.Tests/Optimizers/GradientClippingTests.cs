using Tailor.Common;
using Tailor.Layers;
using Tailor.Optimizers;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Optimizers;

/// <summary>
/// Every optimizer honours clipvalue and clipnorm as Keras does: each parameter's gradient is clipped
/// on its own before the update, so a step with clipping equals a step without it on the clipped gradient.
/// </summary>
public class GradientClippingTests
{
    public static TheoryData<string> Names() => new(Optimizer.Names);

    private const int Steps = 3;

    /// <summary>Two parameters (odd lengths) stepped <see cref="Steps"/> times with the given gradients; returns their values.</summary>
    private static float[][] Train(Optimizer optimizer, Func<int, int, float[]> gradient)
    {
        var rng = new Rng(4);
        Parameter[] parameters = [new("kernel", [7, 3]), new("bias", [17])];
        foreach (var p in parameters) RandomData.Uniform(rng, p.Value.Length).CopyTo(p.Value.Span);
        for (int step = 0; step < Steps; step++)
        {
            for (int i = 0; i < parameters.Length; i++) gradient(step, i).CopyTo(parameters[i].Gradient.Span);
            optimizer.Apply(parameters);
        }
        return parameters.Select(p => p.Value.Span.ToArray()).ToArray();
    }

    /// <summary>Gradients large enough to be clipped: values up to 5, norms well above 1.</summary>
    private static float[] Gradient(int step, int parameter) =>
        RandomData.Uniform(new Rng((ulong)(step * 10 + parameter + 1)), parameter == 0 ? 21 : 17, -5f, 5f);

    [Theory]
    [MemberData(nameof(Names))]
    public void Clip_value_equals_stepping_on_the_clamped_gradient(string name)
    {
        var clipped = Optimizer.Parse(name);
        clipped.ClipValue = 0.5f;
        var actual = Train(clipped, Gradient);
        var expected = Train(Optimizer.Parse(name), (s, i) => Gradient(s, i).Select(g => Math.Clamp(g, -0.5f, 0.5f)).ToArray());
        AssertClose(expected, actual);
        AssertDiffers(Train(Optimizer.Parse(name), Gradient), actual);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Clip_norm_rescales_each_gradient_to_the_norm_on_its_own(string name)
    {
        var clipped = Optimizer.Parse(name);
        clipped.ClipNorm = 1f;
        var actual = Train(clipped, Gradient);
        var expected = Train(Optimizer.Parse(name), (s, i) =>
        {
            var g = Gradient(s, i);
            double norm = Math.Sqrt(g.Sum(v => (double)v * v));
            return g.Select(v => (float)(v / norm)).ToArray();
        });
        AssertClose(expected, actual);
        AssertDiffers(Train(Optimizer.Parse(name), Gradient), actual);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Gradients_within_the_limits_are_left_alone(string name)
    {
        var clipped = Optimizer.Parse(name);
        clipped.ClipNorm = 100f;
        clipped.ClipValue = 10f;
        var plain = Train(Optimizer.Parse(name), Gradient);
        var actual = Train(clipped, Gradient);
        for (int i = 0; i < plain.Length; i++) Assert.Equal(plain[i], actual[i]);
    }

    private static void AssertClose(float[][] expected, float[][] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        for (int j = 0; j < expected[i].Length; j++)
            Assert.True(Math.Abs(expected[i][j] - actual[i][j]) <= 1e-5f * Math.Max(1, Math.Abs(expected[i][j])),
                $"parameter {i} [{j}]: {actual[i][j]:R}, expected {expected[i][j]:R}");
    }

    private static void AssertDiffers(float[][] unclipped, float[][] clipped) =>
        Assert.Contains(Enumerable.Range(0, unclipped.Length), i => !unclipped[i].SequenceEqual(clipped[i]));
}
