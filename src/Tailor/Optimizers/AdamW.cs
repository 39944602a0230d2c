namespace Tailor.Optimizers;

/// <summary>Adam with decoupled weight decay (Keras's AdamW, weight_decay 0.004): w -= lr * decay * w before the Adam step.</summary>
public sealed class AdamW : Adam
{
    public AdamW(float learningRate = 0.001f, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : base(learningRate, beta1, beta2, epsilon)
    {
        if (!(weightDecay >= 0))
            throw new ArgumentOutOfRangeException(nameof(weightDecay), $"Received an invalid value for `weight_decay`, expected a non-negative number. Received: weight_decay={weightDecay}");
        WeightDecay = weightDecay;
    }

    public float WeightDecay { get; }
    public override string Name => "adamw";
    protected override float WeightRetention => 1 - LearningRate * WeightDecay;

    public override Dictionary<string, object?> GetConfig()
    {
        var c = base.GetConfig();
        c["weight_decay"] = WeightDecay;
        return c;
    }
}
