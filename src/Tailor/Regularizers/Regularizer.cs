using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace Tailor.Regularizers;

/// <summary>
/// A weight penalty added to the training loss, as Keras's regularizers: L1 sums |w|, L2 sums w^2
/// (no factor 1/2, as in Keras), L1L2 both.
/// </summary>
public sealed class Regularizer
{
    public Regularizer(float l1 = 0, float l2 = 0)
    {
        if (!(l1 >= 0) || !(l2 >= 0))
            throw new ArgumentOutOfRangeException(nameof(l1), $"Regularizer factors must be non-negative, received l1={l1}, l2={l2}.");
        L1 = l1;
        L2 = l2;
    }

    public float L1 { get; }
    public float L2 { get; }

    public static Regularizer L1Penalty(float factor = 0.01f) => new(l1: factor);
    public static Regularizer L2Penalty(float factor = 0.01f) => new(l2: factor);
    public static Regularizer L1L2(float l1 = 0.01f, float l2 = 0.01f) => new(l1, l2);

    public float Penalty(ReadOnlySpan<float> weights)
    {
        float penalty = 0;
        if (L1 > 0) penalty += L1 * TensorPrimitives.SumOfMagnitudes(weights);
        if (L2 > 0) penalty += L2 * TensorPrimitives.SumOfSquares(weights);
        return penalty;
    }

    /// <summary>Adds d(penalty)/dw to <paramref name="gradient"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddGradient(ReadOnlySpan<float> weights, Span<float> gradient)
    {
        if (L2 > 0) TensorPrimitives.MultiplyAdd(weights, 2 * L2, gradient, gradient);
        if (L1 > 0)
            for (int i = 0; i < weights.Length; i++)
                gradient[i] += L1 * MathF.Sign(weights[i]);
    }

    /// <summary>Keras's class: L1 or L2 when only one factor is set, L1L2 otherwise.</summary>
    public string ClassName => L1 > 0 && L2 == 0 ? "L1" : L2 > 0 && L1 == 0 ? "L2" : "L1L2";

    /// <summary>Keras's serialised form, e.g. {"class_name": "L2", "config": {"l2": 0.01}}.</summary>
    public Dictionary<string, object?> GetConfig()
    {
        var config = new Dictionary<string, object?>();
        if (ClassName != "L2") config["l1"] = L1;
        if (ClassName != "L1") config["l2"] = L2;
        return new() { ["class_name"] = ClassName, ["config"] = config };
    }

    public override string ToString() => L1 > 0 && L2 > 0 ? $"L1L2(l1={L1}, l2={L2})" : L1 > 0 ? $"L1({L1})" : $"L2({L2})";
}
