using System.Runtime.CompilerServices;
using Tailor.Common;

namespace Tailor.Initializers;

/// <summary>
/// Weight initializers with Keras's formulas. Fans follow Keras: a Dense kernel (in, out) has
/// fan_in = in and fan_out = out; a convolution kernel (..., cin, cout) multiplies both by the
/// window size.
/// </summary>
public abstract class Initializer
{
    public abstract string Name { get; }

    public abstract void Fill(Span<float> weights, int fanIn, int fanOut, Rng rng);

    public static readonly Initializer GlorotUniform = new VarianceScaling("glorot_uniform", 1, FanMode.Average, uniform: true);
    public static readonly Initializer GlorotNormal = new VarianceScaling("glorot_normal", 1, FanMode.Average, uniform: false);
    public static readonly Initializer HeUniform = new VarianceScaling("he_uniform", 2, FanMode.In, uniform: true);
    public static readonly Initializer HeNormal = new VarianceScaling("he_normal", 2, FanMode.In, uniform: false);
    public static readonly Initializer LecunUniform = new VarianceScaling("lecun_uniform", 1, FanMode.In, uniform: true);
    public static readonly Initializer LecunNormal = new VarianceScaling("lecun_normal", 1, FanMode.In, uniform: false);
    public static readonly Initializer Zeros = new Constant("zeros", 0);
    public static readonly Initializer Ones = new Constant("ones", 1);
    public static Initializer RandomNormal(float mean = 0, float stddev = 0.05f) => new Normal(mean, stddev);

    private static readonly Initializer[] Named = [GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal, Zeros, Ones, RandomNormal()];

    public static Initializer Parse(string name)
    {
        var found = Named.FirstOrDefault(i => i.Name == name?.Trim().ToLowerInvariant());
        return found ?? throw new ArgumentException($"Unknown initializer '{name}'. Valid initializers: {string.Join(", ", Named.Select(i => i.Name))}.");
    }

    /// <summary>Fans of a kernel shape, as Keras computes them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (int FanIn, int FanOut) Fans(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 1) return (shape[0], shape[0]);
        if (shape.Length == 2) return (shape[0], shape[1]);
        int receptive = 1;
        for (int i = 0; i < shape.Length - 2; i++) receptive *= shape[i];
        return (receptive * shape[^2], receptive * shape[^1]);
    }

    public override string ToString() => Name;

    private enum FanMode { In, Average }

    private sealed class VarianceScaling(string name, double scale, FanMode mode, bool uniform) : Initializer
    {
        public override string Name => name;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Fill(Span<float> weights, int fanIn, int fanOut, Rng rng)
        {
            double fan = mode == FanMode.In ? fanIn : (fanIn + fanOut) / 2.0;
            double variance = scale / Math.Max(1.0, fan);
            if (uniform)
            {
                double limit = Math.Sqrt(3 * variance);
                for (int i = 0; i < weights.Length; i++) weights[i] = (float)((rng.NextDouble() * 2 - 1) * limit);
            }
            else
            {
                // Keras draws from a normal truncated at two standard deviations, rescaled to keep the variance.
                double stddev = Math.Sqrt(variance) / 0.87962566103423978;
                for (int i = 0; i < weights.Length; i++)
                {
                    double v;
                    do v = rng.NextGaussian(); while (Math.Abs(v) > 2);
                    weights[i] = (float)(v * stddev);
                }
            }
        }
    }

    private sealed class Constant(string name, float value) : Initializer
    {
        public override string Name => name;
        public override void Fill(Span<float> weights, int fanIn, int fanOut, Rng rng) => weights.Fill(value);
    }

    private sealed class Normal(float mean, float stddev) : Initializer
    {
        public override string Name => "random_normal";
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Fill(Span<float> weights, int fanIn, int fanOut, Rng rng)
        {
            for (int i = 0; i < weights.Length; i++) weights[i] = (float)(mean + stddev * rng.NextGaussian());
        }
    }
}
