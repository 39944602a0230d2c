using Tailor.Common;
using Tailor.Layers;
using Tailor.Optimizers;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Optimizers;

/// <summary>
/// SGD with momentum and with Nesterov momentum: the update is Keras's (v = m v - lr g; w += v, or
/// w += m v - lr g), bit for bit a scalar reference on one thread and on two; at a constant rate it is
/// PyTorch's (b = m b + g; w -= lr (g + m b)), which differs only in where the rate is applied.
/// </summary>
[Collection(Kernels.GlobalSwitches.Name)]
public class SgdMomentumTests
{
    private const int Length = 2 * 16384 + 777;
    private const int Steps = 5;
    private const float Rate = 0.05f, Momentum = 0.9f;

    private static float[] Gradient(int step) => RandomData.Uniform(new Rng((ulong)step + 21), Length, -2f, 2f);

    private static float[] Initial() => RandomData.Uniform(new Rng(4), Length);

    private static float[] Train(bool nesterov, int threads) =>
        OptimizerSteps.Run(new Sgd(Rate, Momentum, nesterov), Initial(), Gradient, Steps, threads);

    /// <summary>Keras's SGD, one element at a time, in float as the optimizer computes it.</summary>
    private static float[] KerasReference(bool nesterov)
    {
        var w = Initial();
        var v = new float[Length];
        for (int step = 0; step < Steps; step++)
        {
            var g = Gradient(step);
            for (int i = 0; i < Length; i++)
            {
                v[i] = Momentum * v[i] - Rate * g[i];
                w[i] += nesterov ? Momentum * v[i] - Rate * g[i] : v[i];
            }
        }
        return w;
    }

    /// <summary>torch.optim.SGD(momentum, nesterov, dampening 0) as its documentation writes it, in double.</summary>
    private static double[] TorchReference(bool nesterov)
    {
        var w = RandomData.ToDouble(Initial());
        var b = new double[Length];
        for (int step = 0; step < Steps; step++)
        {
            var g = Gradient(step);
            for (int i = 0; i < Length; i++)
            {
                b[i] = step == 0 ? g[i] : Momentum * b[i] + g[i];
                w[i] -= Rate * (nesterov ? g[i] + Momentum * b[i] : b[i]);
            }
        }
        return w;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Momentum_is_kerass_update_bit_for_bit_on_one_and_two_threads(bool nesterov)
    {
        var expected = KerasReference(nesterov);
        Assert.Equal(expected, Train(nesterov, threads: 1));
        Assert.Equal(expected, Train(nesterov, threads: 2));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void At_a_constant_rate_it_is_pytorchs_update(bool nesterov)
    {
        var comparison = Comparison.Of($"SGD nesterov={nesterov} against PyTorch's formula", Train(nesterov, threads: 2), TorchReference(nesterov), 1e-5);
        Assert.True(comparison.Passed, comparison.ToString());
    }

    [Fact]
    public void Two_nesterov_steps_by_hand()
    {
        // w = 1, lr 0.1, m 0.9, gradients 0.5 then -1. PyTorch: b1 = 0.5, w1 = 1 - 0.1 (0.5 + 0.45) = 0.905;
        // b2 = 0.45 - 1 = -0.55, w2 = 0.905 - 0.1 (-1 - 0.495) = 1.0545. Keras's velocity gives the same.
        var optimizer = new Sgd(0.1f, 0.9f, nesterov: true);
        Parameter[] parameters = [new("w", [1])];
        parameters[0].Value.Span[0] = 1;
        float[] seen = new float[2];
        float[] gradients = [0.5f, -1f];
        for (int step = 0; step < 2; step++)
        {
            parameters[0].Gradient.Span[0] = gradients[step];
            optimizer.Apply(parameters);
            seen[step] = parameters[0].Value.Span[0];
        }
        Assert.Equal(0.905, seen[0], 6);
        Assert.Equal(1.0545, seen[1], 6);
        // Plain momentum moves less on the first step: w1 = 1 - 0.1 * 0.5.
        var plain = new Sgd(0.1f, 0.9f);
        parameters[0].Value.Span[0] = 1;
        parameters[0].Gradient.Span[0] = 0.5f;
        plain.Apply(parameters);
        Assert.Equal(0.95, parameters[0].Value.Span[0], 6);
    }

    [Fact]
    public void Nesterov_and_momentum_are_in_the_config_and_a_bad_momentum_is_refused()
    {
        var config = new Sgd(0.1f, 0.9f, nesterov: true).GetConfig();
        Assert.Equal((0.9f, true), ((float)config["momentum"]!, (bool)config["nesterov"]!));
        Assert.Contains("expected a number in [0, 1). Received: momentum=1", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1f, 1f)).Message);
    }
}
