using Tailor.Common;
using Tailor.Optimizers;
using Tailor.Tests.Reference;

namespace Tailor.Tests.Optimizers;

/// <summary>
/// The update runs over both cores in ranges of a parameter. On a parameter longer than several ranges,
/// with an odd tail, every optimizer must give the bits of a one-element-at-a-time scalar reference of
/// Keras's formulas, on one thread and on two.
/// </summary>
[Collection(Kernels.GlobalSwitches.Name)]
public class OptimizerUpdateTests
{
    public static TheoryData<string> Names() => new(Optimizer.Names);

    private const int Length = 3 * 16384 + 1001;
    private const int Steps = 3;

    private static float[] Gradient(int step) => RandomData.Uniform(new Rng((ulong)step + 11), Length, -2f, 2f);

    private static float[] Initial() => RandomData.Uniform(new Rng(3), Length);

    private static float[] Train(string name, int threads) =>
        OptimizerSteps.Run(Optimizer.Parse(name, 0.01f), Initial(), Gradient, Steps, threads);

    /// <summary>Keras's update rules, one element at a time, in the operation order of the optimizers.</summary>
    private static float[] Reference(string name)
    {
        const float lr = 0.01f;
        var w = Initial();
        var m = new float[Length];
        var v = new float[Length];
        for (int step = 0; step < Steps; step++)
        {
            var g = Gradient(step);
            long t = step + 1;
            float alpha = (float)(lr * Math.Sqrt(1 - Math.Pow(0.999f, t)) / (1 - Math.Pow(0.9f, t)));
            for (int i = 0; i < Length; i++)
            {
                switch (name)
                {
                    case "sgd":
                        w[i] = -lr * g[i] + w[i];
                        break;
                    case "rmsprop":
                        v[i] = 0.9f * v[i] + (1 - 0.9f) * g[i] * g[i];
                        w[i] -= lr * g[i] / MathF.Sqrt(v[i] + 1e-7f);
                        break;
                    default:
                        float keep = name == "adamw" ? 1 - lr * 0.004f : 1f;
                        m[i] += (g[i] - m[i]) * (1 - 0.9f);
                        v[i] += (g[i] * g[i] - v[i]) * (1 - 0.999f);
                        w[i] = w[i] * keep - alpha * m[i] / (MathF.Sqrt(v[i]) + 1e-7f);
                        break;
                }
            }
        }
        return w;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Ranges_of_a_long_parameter_give_the_scalar_reference_bits_on_one_and_two_threads(string name)
    {
        var expected = Reference(name);
        Assert.Equal(expected, Train(name, 1));
        Assert.Equal(expected, Train(name, 2));
    }

    /// <summary>Lengths that cut the reference's values into parameters with odd tails, one shorter than a vector, one of a whole vector.</summary>
    private static readonly int[] Cuts = [1001, 37, 16384 + 5, 64, 129, 7, Length - 1001 - 37 - 16389 - 64 - 129 - 7];

    /// <summary>
    /// The update's pieces cut the parameters laid end to end, so a piece may hold the tail of one and the head of
    /// the next, and a frozen parameter between them is left out: each element still gets the reference's bits.
    /// </summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Pieces_over_many_parameters_give_the_reference_bits_and_skip_the_frozen(string name)
    {
        var expected = Reference(name);
        foreach (int threads in (int[])[1, 2])
        {
            int saved = Tailor.Threading.WorkerPool.Threads;
            Tailor.Threading.WorkerPool.Threads = threads;
            try
            {
                var optimizer = Optimizer.Parse(name, 0.01f);
                var frozen = new Tailor.Layers.Parameter("frozen", [300], trainable: false);
                frozen.Value.Span.Fill(0.5f);
                var trained = Cuts.Select((length, i) => new Tailor.Layers.Parameter($"p{i}", [length])).ToList();
                var parameters = new List<Tailor.Layers.Parameter>(trained);
                parameters.Insert(3, frozen);
                var initial = Initial();
                int at = 0;
                foreach (var p in trained) { initial.AsSpan(at, p.Value.Length).CopyTo(p.Value.Span); at += p.Value.Length; }
                for (int step = 0; step < Steps; step++)
                {
                    var g = Gradient(step);
                    at = 0;
                    foreach (var p in trained) { g.AsSpan(at, p.Value.Length).CopyTo(p.Gradient.Span); at += p.Value.Length; }
                    optimizer.Apply(parameters);
                }
                Assert.Equal(expected, trained.SelectMany(p => p.Value.Span.ToArray()).ToArray());
                Assert.All(frozen.Value.Span.ToArray(), v => Assert.Equal(0.5f, v));
            }
            finally { Tailor.Threading.WorkerPool.Threads = saved; }
        }
    }
}
