using Tailor.Kernels;

namespace Tailor.Tests.Reference;

/// <summary>
/// Every activation in plain double precision, straight from its definition (Keras's constants:
/// elu alpha 1, leaky_relu slope 0.2, exact gelu with erf). Shared with Tailor.KernelCheck.
/// </summary>
internal static class ActivationReference
{
    public const double EluAlpha = 1.0;
    public const double LeakySlope = 0.2;

    /// <summary>y = activation(z), softmax over rows of <paramref name="rowLength"/>.</summary>
    public static void Forward(Activation activation, ReadOnlySpan<double> z, Span<double> y, int rowLength)
    {
        if (activation == Activation.Softmax)
        {
            for (int r = 0; r < z.Length; r += rowLength) Softmax(z.Slice(r, rowLength), y.Slice(r, rowLength));
            return;
        }
        for (int i = 0; i < z.Length; i++) y[i] = Elementwise(activation, z[i]);
    }

    /// <summary>dz = J(z)^T dy, the chain rule through the activation.</summary>
    public static void Backward(Activation activation, ReadOnlySpan<double> z, ReadOnlySpan<double> dy, Span<double> dz, int rowLength)
    {
        if (activation == Activation.Softmax)
        {
            var y = new double[rowLength];
            for (int r = 0; r < z.Length; r += rowLength)
            {
                Softmax(z.Slice(r, rowLength), y);
                double dot = 0;
                for (int j = 0; j < rowLength; j++) dot += dy[r + j] * y[j];
                for (int j = 0; j < rowLength; j++) dz[r + j] = y[j] * (dy[r + j] - dot);
            }
            return;
        }
        for (int i = 0; i < z.Length; i++) dz[i] = dy[i] * Derivative(activation, z[i]);
    }

    public static double Elementwise(Activation activation, double z) => activation switch
    {
        Activation.Linear => z,
        Activation.Relu => Math.Max(z, 0),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-z)),
        Activation.Tanh => Math.Tanh(z),
        Activation.Elu => z > 0 ? z : EluAlpha * (Math.Exp(z) - 1),
        Activation.LeakyRelu => z > 0 ? z : LeakySlope * z,
        Activation.Gelu => 0.5 * z * (1 + Erf(z / Math.Sqrt(2))),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Softmax is not element-wise."),
    };

    public static double Derivative(Activation activation, double z)
    {
        switch (activation)
        {
            case Activation.Linear: return 1;
            case Activation.Relu: return z > 0 ? 1 : 0;
            case Activation.Sigmoid: { double s = 1 / (1 + Math.Exp(-z)); return s * (1 - s); }
            case Activation.Tanh: { double t = Math.Tanh(z); return 1 - t * t; }
            case Activation.Elu: return z > 0 ? 1 : EluAlpha * Math.Exp(z);
            case Activation.LeakyRelu: return z > 0 ? 1 : LeakySlope;
            case Activation.Gelu: return 0.5 * (1 + Erf(z / Math.Sqrt(2))) + z * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Softmax is not element-wise.");
        }
    }

    /// <summary>exp(z - max) / sum, the stable form.</summary>
    public static void Softmax(ReadOnlySpan<double> z, Span<double> y)
    {
        double max = double.NegativeInfinity;
        foreach (double v in z) max = Math.Max(max, v);
        double sum = 0;
        for (int j = 0; j < z.Length; j++) sum += y[j] = Math.Exp(z[j] - max);
        for (int j = 0; j < z.Length; j++) y[j] /= sum;
    }

    /// <summary>
    /// erf to double precision: erf(x) = 2/sqrt(pi) exp(-x^2) sum_n x (2x^2)^n / (2n+1)!!, a series of
    /// positive terms (no cancellation) that converges for every x; erf(6) is 1 to double precision.
    /// </summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax >= 6) return Math.Sign(x);
        double term = ax, sum = ax, twoX2 = 2 * ax * ax;
        for (int n = 1; n < 500 && term > 1e-17 * sum; n++)
        {
            term *= twoX2 / (2 * n + 1);
            sum += term;
        }
        return Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * Math.Exp(-ax * ax) * sum;
    }
}
