using System.Runtime.CompilerServices;
namespace Tailor.Optimizers;

/// <summary>Keras's SGD: v = momentum v - lr g; w += v (nesterov: w += momentum v - lr g).</summary>
public sealed class Sgd : Optimizer
{
    public Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false) : base(learningRate)
    {
        if (!(momentum >= 0 && momentum < 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), $"Received an invalid value for `momentum`, expected a number in [0, 1). Received: momentum={momentum}");
        Momentum = momentum;
        Nesterov = nesterov;
    }

    public float Momentum { get; }
    public bool Nesterov { get; }
    public override string Name => "sgd";
    protected override int SlotCount => Momentum > 0 ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Update(Span<float> weights, ReadOnlySpan<float> gradient, float[][] slots, int offset)
    {
        float lr = LearningRate;
        if (Momentum == 0)
        {
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(gradient, -lr, weights, weights);
            return;
        }
        var v = slots[0].AsSpan(offset, weights.Length);
        for (int i = 0; i < weights.Length; i++)
        {
            v[i] = Momentum * v[i] - lr * gradient[i];
            weights[i] += Nesterov ? Momentum * v[i] - lr * gradient[i] : v[i];
        }
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var c = base.GetConfig();
        c["momentum"] = Momentum;
        c["nesterov"] = Nesterov;
        return c;
    }
}
