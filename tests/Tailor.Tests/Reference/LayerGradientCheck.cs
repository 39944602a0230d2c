using Tailor.Common;
using Tailor.Layers;
using Tailor.Tensors;

namespace Tailor.Tests.Reference;

/// <summary>The forward and gradient comparisons of one layer check.</summary>
internal sealed class LayerCheckResult
{
    public List<Comparison> Comparisons { get; } = [];

    public bool Passed => Comparisons.Count > 0 && Comparisons.All(c => c.Passed);

    public Comparison this[string what] => Comparisons.Single(c => c.What == what);

    public override string ToString() => string.Join(Environment.NewLine, Comparisons);

    public void AssertPassed() => Assert.True(Passed, "Layer check failed:" + Environment.NewLine + this);
}

/// <summary>
/// Checks a float32 layer against a double reference of its forward pass. With a random upstream
/// gradient w (so L = sum(w * y) and every output matters), the layer's Backward (input gradient and
/// each Parameter.Gradient) is compared with central finite differences of L computed in double
/// through the reference: the reference is the oracle for the values and, by differentiation, for the
/// gradients, so no hand-written backward is trusted.
/// </summary>
internal static class LayerGradientCheck
{
    /// <summary>Forward: float32 against double, relative to max(1, max |y|).</summary>
    public const double ForwardTolerance = 1e-5;

    /// <summary>Gradients: float32 backward against double finite differences, relative to max(1, max |gradient|).</summary>
    public const double GradientTolerance = 1e-4;

    /// <param name="layer">Built here for <paramref name="itemShape"/> unless already built; its trainable parameters are set to
    /// random values (non-trainable ones, such as moving statistics, are left as the caller set them and get no gradient).</param>
    /// <param name="reference">The double forward: (x, parameter values in layer order) to y.</param>
    /// <param name="input">The input batch; random in [-1, 1) when null.</param>
    /// <param name="upstreamZeros">The share of the upstream gradient w set to exact zeros, as behind a max pooling.</param>
    public static LayerCheckResult Run(Layer layer, int[] itemShape, int batch,
        Func<double[], double[][], RefTensor> reference, ulong seed, float[]? input = null, bool training = false, double upstreamZeros = 0)
    {
        var rng = new Rng(seed);
        if (!layer.IsBuilt) layer.Build(itemShape, rng);
        foreach (var p in layer.Parameters.Where(p => p.Trainable)) RandomData.Uniform(rng, p.Value.Length, -0.5f, 0.5f).CopyTo(p.Value.Span);

        int[] batchShape = [batch, .. itemShape];
        var x = input ?? RandomData.Uniform(rng, batch * itemShape.Aggregate(1, (a, b) => a * b));
        var xd = RandomData.ToDouble(x);
        // Taken before the forward pass: a training forward moves non-trainable statistics.
        var pd = layer.Parameters.Select(p => RandomData.ToDouble(p.Value.Span)).ToArray();
        var y = layer.Forward(new Tensor((float[])x.Clone(), batchShape), training);
        var yValues = y.Span.ToArray();
        var expected = reference(xd, pd);

        var result = new LayerCheckResult();
        if (!expected.ItemShape.AsSpan().SequenceEqual(layer.OutputShape) || !y.Shape[1..].SequenceEqual(expected.ItemShape) || y.Dim(0) != batch)
        {
            result.Comparisons.Add(new Comparison("output shape", 0, double.NaN, 1, 0, -1, double.NaN, double.NaN,
                $"layer gives {y.ShapeString} (output shape {Layer.FormatBatchShape(layer.OutputShape)}), reference {Layer.FormatBatchShape(expected.ItemShape)}"));
            return result;
        }
        result.Comparisons.Add(Comparison.Of("forward", yValues, expected.Values, ForwardTolerance));

        var w = RandomData.Uniform(rng, yValues.Length);
        if (upstreamZeros > 0) RandomData.ZeroShare(rng, w, upstreamZeros);
        var dx = layer.Backward(new Tensor((float[])w.Clone(), [batch, .. expected.ItemShape]));
        double Loss()
        {
            var values = reference(xd, pd).Values;
            double sum = 0;
            for (int i = 0; i < values.Length; i++) sum += w[i] * values[i];
            return sum;
        }

        if (layer.ComputeInputGradient)
        {
            if (dx == null)
                result.Comparisons.Add(new Comparison("input gradient", xd.Length, double.NaN, 1, 0, -1, double.NaN, double.NaN, "Backward returned null"));
            else
                result.Comparisons.Add(Comparison.Of("input gradient", dx.Span, FiniteDifference.Gradient(Loss, xd), GradientTolerance));
        }
        for (int i = 0; i < layer.Parameters.Count; i++)
        {
            var p = layer.Parameters[i];
            if (!p.Trainable) continue;
            result.Comparisons.Add(Comparison.Of($"{p.Name} gradient", p.Gradient.Span, FiniteDifference.Gradient(Loss, pd[i]), GradientTolerance));
        }
        return result;
    }
}
