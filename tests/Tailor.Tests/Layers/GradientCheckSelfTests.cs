using Tailor.Common;
using Tailor.Kernels;
using Tailor.Layers;
using Tailor.Layers.Core;
using Tailor.Tensors;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Layers;

/// <summary>The checker must be able to fail: wrong gradients, wrong values and wrong shapes are reported.</summary>
public class GradientCheckSelfTests
{
    private const int Batch = 3, Features = 4;

    [Fact]
    public void A_correct_layer_passes()
    {
        var result = LayerGradientCheck.Run(new Scale(ScaleBug.None), [Features], Batch, ScaleReference, seed: 1);
        result.AssertPassed();
        Assert.Equal(["forward", "input gradient", "scale gradient"], result.Comparisons.Select(c => c.What));
    }

    [Theory]
    [InlineData(ScaleBug.InputGradientMissesFactor, "input gradient")]
    [InlineData(ScaleBug.ParameterGradientOffByOne, "scale gradient")]
    [InlineData(ScaleBug.ParameterGradientFromLastSampleOnly, "scale gradient")]
    [InlineData(ScaleBug.ForwardSlightlyOff, "forward")]
    public void A_wrong_layer_fails_on_the_part_that_is_wrong(ScaleBug bug, string failing)
    {
        var result = LayerGradientCheck.Run(new Scale(bug), [Features], Batch, ScaleReference, seed: 1);
        Assert.False(result.Passed, "The checker passed a layer with a bug: " + result);
        Assert.False(result[failing].Passed);
        Assert.All(result.Comparisons.Where(c => c.What != failing), c => Assert.True(c.Passed, c.ToString()));
    }

    [Fact]
    public void A_wrong_output_shape_fails()
    {
        var result = LayerGradientCheck.Run(new Scale(ScaleBug.None), [Features], Batch,
            (x, p) => new RefTensor(ScaleReference(x, p).Values, [2, 2]), seed: 1);
        Assert.False(result.Passed);
        Assert.Contains("output shape", result.ToString());
    }

    [Fact]
    public void One_gradient_value_perturbed_by_a_thousandth_of_the_scale_is_caught()
    {
        // A real Dense gradient, correct, then spoiled in one place.
        var layer = new Dense(5, Activation.Tanh);
        var result = LayerGradientCheck.Run(layer, [7], Batch, (x, p) => LayerReference.Dense(x, Batch, p[0], p[1], 5, Activation.Tanh), seed: 2);
        result.AssertPassed();

        var xd = RandomData.ToDouble(RandomData.Uniform(new Rng(9), Batch * 7));
        var numeric = FiniteDifference.Gradient(() => xd.Select((v, i) => Math.Sin(v) * (i + 1)).Sum(), xd);
        var analytic = xd.Select((v, i) => (float)(Math.Cos(v) * (i + 1))).ToArray();
        var good = Comparison.Of("analytic", analytic, numeric, LayerGradientCheck.GradientTolerance);
        Assert.True(good.Passed, good.ToString());

        analytic[5] += (float)(1e-3 * good.Scale);
        Assert.False(Comparison.Of("perturbed", analytic, numeric, LayerGradientCheck.GradientTolerance).Passed);
        analytic[5] = float.NaN;
        Assert.False(Comparison.Of("NaN", analytic, numeric, LayerGradientCheck.GradientTolerance).Passed);
        Assert.False(Comparison.Of("short", analytic.AsSpan(1), numeric, LayerGradientCheck.GradientTolerance).Passed);
    }

    [Fact]
    public void Finite_differences_of_a_known_function_are_accurate()
    {
        double[] x = [0.3, -1.2, 2.0];
        var g = FiniteDifference.Gradient(() => x[0] * x[0] * x[1] + Math.Exp(x[2]), x);
        Assert.Equal(2 * 0.3 * -1.2, g[0], 1e-8);
        Assert.Equal(0.09, g[1], 1e-8);
        Assert.Equal(Math.Exp(2.0), g[2], 1e-8);
        Assert.Equal([0.3, -1.2, 2.0], x); // restored
    }

    private static RefTensor ScaleReference(double[] x, double[][] p)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * p[0][i % Features];
        return new RefTensor(y, [Features]);
    }

    public enum ScaleBug { None, InputGradientMissesFactor, ParameterGradientOffByOne, ParameterGradientFromLastSampleOnly, ForwardSlightlyOff }

    /// <summary>y = x * s with one scale per feature, and a switchable bug.</summary>
    private sealed class Scale(ScaleBug bug) : Layer
    {
        private Tensor? _input, _output, _inputGradient;

        public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

        protected override void CreateParameters(Rng rng) => AddParameter(new Parameter("scale", [Features]));

        public override Tensor Forward(Tensor input, bool training)
        {
            CheckInput(input);
            _input = input;
            var y = Ensure(ref _output, input.Dim(0), OutputShape);
            var s = Parameters[0].Value.Span;
            for (int i = 0; i < input.Length; i++) y.Span[i] = input.Span[i] * s[i % Features] * (bug == ScaleBug.ForwardSlightlyOff ? 1.0001f : 1f);
            return y;
        }

        public override Tensor? Backward(Tensor outputGradient)
        {
            var s = Parameters[0].Value.Span;
            var ds = Parameters[0].Gradient.Span;
            ds.Clear();
            for (int i = 0; i < outputGradient.Length; i++)
            {
                if (bug == ScaleBug.ParameterGradientFromLastSampleOnly && i < outputGradient.Length - Features) continue;
                int j = bug == ScaleBug.ParameterGradientOffByOne ? (i + 1) % Features : i % Features;
                ds[i % Features] += outputGradient.Span[i] * _input!.Span[j + i / Features * Features];
            }
            var dx = Ensure(ref _inputGradient, outputGradient.Dim(0), InputShape);
            for (int i = 0; i < outputGradient.Length; i++)
                dx.Span[i] = outputGradient.Span[i] * (bug == ScaleBug.InputGradientMissesFactor ? 1 : s[i % Features]);
            return dx;
        }
    }
}
