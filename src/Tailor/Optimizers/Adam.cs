using System.Runtime.CompilerServices;
using System.Numerics;

namespace Tailor.Optimizers;

/// <summary>
/// Keras's Adam: m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2);
/// w -= lr sqrt(1 - beta2^t) / (1 - beta1^t) m / (sqrt(v) + epsilon). AdamW adds decoupled weight decay.
/// </summary>
public class Adam : Optimizer
{
    public Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f) : base(learningRate)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public override string Name => "adam";
    protected override int SlotCount => 2;

    /// <summary>Multiplier applied to the weights before the step: 1 for Adam, 1 - lr * decay for AdamW.</summary>
    protected virtual float WeightRetention => 1f;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, float[][] slots, int offset)
    {
        var m = slots[0].AsSpan(offset, weights.Length);
        var v = slots[1].AsSpan(offset, weights.Length);
        float b1 = Beta1, b2 = Beta2, eps = Epsilon, keep = WeightRetention;
        float alpha = (float)(LearningRate * Math.Sqrt(1 - Math.Pow(b2, Iterations)) / (1 - Math.Pow(b1, Iterations)));
        int i = 0, w = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vB1 = new Vector<float>(1 - b1); var vB2 = new Vector<float>(1 - b2);
            var vEps = new Vector<float>(eps); var vAlpha = new Vector<float>(alpha); var vKeep = new Vector<float>(keep);
            for (; i <= weights.Length - w; i += w)
            {
                var g = new Vector<float>(gradient.Slice(i));
                var mi = new Vector<float>(m.Slice(i));
                var vi = new Vector<float>(v.Slice(i));
                mi += (g - mi) * vB1;
                vi += (g * g - vi) * vB2;
                mi.CopyTo(m.Slice(i));
                vi.CopyTo(v.Slice(i));
                (new Vector<float>(weights.Slice(i)) * vKeep - vAlpha * mi / (Vector.SquareRoot(vi) + vEps)).CopyTo(weights.Slice(i));
            }
        }
        for (; i < weights.Length; i++)
        {
            float g = gradient[i];
            m[i] += (g - m[i]) * (1 - b1);
            v[i] += (g * g - v[i]) * (1 - b2);
            weights[i] = weights[i] * keep - alpha * m[i] / (MathF.Sqrt(v[i]) + eps);
        }
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var c = base.GetConfig();
        c["beta_1"] = Beta1;
        c["beta_2"] = Beta2;
        c["epsilon"] = Epsilon;
        return c;
    }
}
