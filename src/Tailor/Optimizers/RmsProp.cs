using System.Runtime.CompilerServices;
using System.Numerics;

namespace Tailor.Optimizers;

/// <summary>Keras's RMSprop: v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + epsilon).</summary>
public sealed class RmsProp : Optimizer
{
    public RmsProp(float learningRate = 0.001f, float rho = 0.9f, float epsilon = 1e-7f) : base(learningRate)
    {
        Rho = rho;
        Epsilon = epsilon;
    }

    public float Rho { get; }
    public float Epsilon { get; }
    public override string Name => "rmsprop";
    protected override int SlotCount => 1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, float[][] slots, int offset)
    {
        var v = slots[0].AsSpan(offset, weights.Length);
        float lr = LearningRate, rho = Rho, decay = 1 - Rho, eps = Epsilon;
        int i = 0, w = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated)
        {
            var vRho = new Vector<float>(rho); var vDecay = new Vector<float>(decay);
            var vEps = new Vector<float>(eps); var vLr = new Vector<float>(lr);
            for (; i <= weights.Length - w; i += w)
            {
                var g = new Vector<float>(gradient.Slice(i));
                var velocity = vRho * new Vector<float>(v.Slice(i)) + vDecay * g * g;
                velocity.CopyTo(v.Slice(i));
                (new Vector<float>(weights.Slice(i)) - vLr * g / Vector.SquareRoot(velocity + vEps)).CopyTo(weights.Slice(i));
            }
        }
        for (; i < weights.Length; i++)
        {
            float g = gradient[i];
            v[i] = rho * v[i] + decay * g * g;
            weights[i] -= lr * g / MathF.Sqrt(v[i] + eps);
        }
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var c = base.GetConfig();
        c["rho"] = Rho;
        c["epsilon"] = Epsilon;
        return c;
    }
}
