using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;

namespace Tailor.Kernels;

/// <summary>
/// Activation forward and backward over spans. Softmax works on rows of <c>rowLength</c>; the others
/// element-wise. Backward takes the pre-activation z, the output y and dL/dy, and writes dL/dz
/// (which may alias dy).
/// </summary>
internal static class Activations
{
    /// <summary>Keras's slope for leaky_relu as an activation function.</summary>
    public const float LeakySlope = 0.2f;
    public const float EluAlpha = 1f;

    public static readonly IReadOnlyDictionary<string, Activation> Names = new Dictionary<string, Activation>
    {
        ["linear"] = Activation.Linear, ["relu"] = Activation.Relu, ["sigmoid"] = Activation.Sigmoid,
        ["tanh"] = Activation.Tanh, ["softmax"] = Activation.Softmax, ["elu"] = Activation.Elu,
        ["leaky_relu"] = Activation.LeakyRelu, ["gelu"] = Activation.Gelu,
    };

    public static Activation Parse(string name)
    {
        if (name != null && Names.TryGetValue(name.Trim().ToLowerInvariant(), out var a)) return a;
        throw new ArgumentException($"Unknown activation '{name}'. Valid activations: {string.Join(", ", Names.Keys)}.");
    }

    public static string KerasName(this Activation activation) => Names.First(p => p.Value == activation).Key;

    /// <summary>Whether backward needs z (otherwise y is enough and z need not be kept).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool BackwardNeedsInput(Activation a) => a is Activation.Gelu or Activation.LeakyRelu or Activation.Elu;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(Activation activation, ReadOnlySpan<float> z, Span<float> y, int rowLength)
    {
        if (z.IsEmpty) return; // TensorPrimitives refuses empty spans
        switch (activation)
        {
            case Activation.Linear: if (!z.Overlaps(y)) z.CopyTo(y); break;
            case Activation.Relu: TensorPrimitives.Max(z, 0f, y); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(z, y); break;
            case Activation.Tanh: TensorPrimitives.Tanh(z, y); break;
            case Activation.Softmax:
                // exp(z - max) / sum: TensorPrimitives.SoftMax exponentiates z itself and overflows to NaN above 88.
                // One Exp call for all rows where rows have 4 values or more: its vector paths give every element
                // the same bits whatever the span, while spans under 4 values take its scalar path.
                for (int r = 0; r < z.Length; r += rowLength)
                {
                    var zr = z.Slice(r, rowLength);
                    var yr = y.Slice(r, rowLength);
                    float max = ExactSpans.Max(zr);
                    for (int j = 0; j < rowLength; j++) yr[j] = zr[j] - max;
                    if (rowLength < 4) TensorPrimitives.Exp(yr, yr);
                }
                if (rowLength >= 4) TensorPrimitives.Exp(y[..z.Length], y[..z.Length]);
                for (int r = 0; r < z.Length; r += rowLength)
                {
                    var yr = y.Slice(r, rowLength);
                    float sum = TensorPrimitives.Sum(yr);
                    for (int j = 0; j < rowLength; j++) yr[j] /= sum;
                }
                break;
            case Activation.Elu:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v > 0 ? v : EluAlpha * (MathF.Exp(v) - 1); }
                break;
            case Activation.LeakyRelu:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = v > 0 ? v : LeakySlope * v; }
                break;
            case Activation.Gelu:
                for (int i = 0; i < z.Length; i++) { float v = z[i]; y[i] = 0.5f * v * (1 + Erf.Of(v * 0.70710678f)); }
                break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(Activation activation, ReadOnlySpan<float> z, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz, int rowLength)
    {
        if (y.IsEmpty) return;
        switch (activation)
        {
            case Activation.Linear: if (!dy.Overlaps(dz)) dy.CopyTo(dz); break;
            case Activation.Relu: ReluBackward(y, dy, dz); break;
            case Activation.Sigmoid:
                for (int i = 0; i < y.Length; i++) dz[i] = dy[i] * y[i] * (1 - y[i]);
                break;
            case Activation.Tanh:
                for (int i = 0; i < y.Length; i++) dz[i] = dy[i] * (1 - y[i] * y[i]);
                break;
            case Activation.Softmax:
                for (int r = 0; r < y.Length; r += rowLength)
                {
                    var yr = y.Slice(r, rowLength);
                    float dot = TensorPrimitives.Dot(dy.Slice(r, rowLength), yr);
                    for (int j = 0; j < rowLength; j++) dz[r + j] = yr[j] * (dy[r + j] - dot);
                }
                break;
            case Activation.Elu:
                for (int i = 0; i < z.Length; i++) dz[i] = z[i] > 0 ? dy[i] : dy[i] * (y[i] + EluAlpha);
                break;
            case Activation.LeakyRelu:
                for (int i = 0; i < z.Length; i++) dz[i] = z[i] > 0 ? dy[i] : dy[i] * LeakySlope;
                break;
            case Activation.Gelu:
                for (int i = 0; i < z.Length; i++)
                {
                    float v = z[i];
                    float cdf = 0.5f * (1 + Erf.Of(v * 0.70710678f));
                    float pdf = 0.3989422804f * MathF.Exp(-0.5f * v * v);
                    dz[i] = dy[i] * (cdf + v * pdf);
                }
                break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        }
    }

    /// <summary>Effectively computes dz[i] = y[i] > 0 ? dy[i] : 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dz)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; i <= y.Length - w; i += w)
            {
                var mask = Vector.GreaterThan(new Vector<float>(y.Slice(i)), Vector<float>.Zero);
                Vector.ConditionalSelect(mask, new Vector<float>(dy.Slice(i)), Vector<float>.Zero).CopyTo(dz.Slice(i));
            }
        }
        for (; i < y.Length; i++) dz[i] = y[i] > 0 ? dy[i] : 0;
    }
}
