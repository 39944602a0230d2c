using Tailor.Kernels;

namespace Tailor.Tests.Reference;

/// <summary>A batch in double precision: values row-major, and the per-sample shape.</summary>
internal sealed record RefTensor(double[] Values, int[] ItemShape);

/// <summary>
/// Each layer's forward pass in plain double precision, written from Keras's definitions with naive
/// loops and nothing shared with the engine (not even its padding arithmetic). These are the oracles
/// that the float32 layers are compared with, and whose finite differences check their gradients.
/// Layouts are Keras's: NHWC images, Dense kernel (in, out), Conv2D kernel (kh, kw, cin, cout).
/// </summary>
internal static class LayerReference
{
    /// <summary>y = activation(x W + b); x is (batch, inputs), W (inputs, units).</summary>
    public static RefTensor Dense(double[] x, int batch, double[] kernel, double[]? bias, int units, Activation activation)
    {
        int inputs = x.Length / batch;
        var z = new double[batch * units];
        for (int r = 0; r < batch; r++)
        for (int j = 0; j < units; j++)
        {
            double sum = bias?[j] ?? 0;
            for (int i = 0; i < inputs; i++) sum += x[r * inputs + i] * kernel[i * units + j];
            z[r * units + j] = sum;
        }
        return new RefTensor(Activate(z, units, activation), [units]);
    }

    /// <summary>Output length and leading pad of one axis, as TensorFlow defines them (same pads the extra cell at the end).</summary>
    public static (int Out, int PadBefore) Axis(int size, int window, int stride, Padding padding)
    {
        if (padding == Padding.Valid) return ((int)Math.Ceiling((size - window + 1) / (double)stride), 0);
        int outSize = (int)Math.Ceiling(size / (double)stride);
        int total = Math.Max((outSize - 1) * stride + window - size, 0);
        return (outSize, (int)Math.Floor(total / 2.0));
    }

    /// <summary>2D convolution (cross-correlation, as Keras) over NHWC input, zero padding for same.</summary>
    public static RefTensor Conv2D(double[] x, int batch, int height, int width, int channels,
        double[] kernel, double[]? bias, int kh, int kw, int filters, int strideH, int strideW, Padding padding, Activation activation)
    {
        var (oh, padTop) = Axis(height, kh, strideH, padding);
        var (ow, padLeft) = Axis(width, kw, strideW, padding);
        var z = new double[batch * oh * ow * filters];
        for (int n = 0; n < batch; n++)
        for (int r = 0; r < oh; r++)
        for (int c = 0; c < ow; c++)
        for (int f = 0; f < filters; f++)
        {
            double sum = bias?[f] ?? 0;
            for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++)
            {
                int y = r * strideH + i - padTop, xCol = c * strideW + j - padLeft;
                if (y < 0 || y >= height || xCol < 0 || xCol >= width) continue; // a zero of the padding
                for (int ch = 0; ch < channels; ch++)
                    sum += x[((n * height + y) * width + xCol) * channels + ch] * kernel[((i * kw + j) * channels + ch) * filters + f];
            }
            z[((n * oh + r) * ow + c) * filters + f] = sum;
        }
        return new RefTensor(Activate(z, filters, activation), [oh, ow, filters]);
    }

    /// <summary>Max over each window; padded cells never win (TensorFlow pads max pooling with -infinity).</summary>
    public static RefTensor MaxPooling2D(double[] x, int batch, int height, int width, int channels,
        int ph, int pw, int strideH, int strideW, Padding padding) =>
        Pool(x, batch, height, width, channels, ph, pw, strideH, strideW, padding, cells =>
        {
            double best = double.NegativeInfinity;
            foreach (double v in cells) best = Math.Max(best, v);
            return best;
        });

    /// <summary>Mean over each window of the cells inside the image: Keras's same padding does not count padded cells.</summary>
    public static RefTensor AveragePooling2D(double[] x, int batch, int height, int width, int channels,
        int ph, int pw, int strideH, int strideW, Padding padding) =>
        Pool(x, batch, height, width, channels, ph, pw, strideH, strideW, padding, cells => cells.Average());

    private static RefTensor Pool(double[] x, int batch, int height, int width, int channels,
        int ph, int pw, int strideH, int strideW, Padding padding, Func<List<double>, double> reduce)
    {
        var (oh, padTop) = Axis(height, ph, strideH, padding);
        var (ow, padLeft) = Axis(width, pw, strideW, padding);
        var y = new double[batch * oh * ow * channels];
        var cells = new List<double>();
        for (int n = 0; n < batch; n++)
        for (int r = 0; r < oh; r++)
        for (int c = 0; c < ow; c++)
        for (int ch = 0; ch < channels; ch++)
        {
            cells.Clear();
            for (int i = 0; i < ph; i++)
            for (int j = 0; j < pw; j++)
            {
                int row = r * strideH + i - padTop, col = c * strideW + j - padLeft;
                if (row >= 0 && row < height && col >= 0 && col < width)
                    cells.Add(x[((n * height + row) * width + col) * channels + ch]);
            }
            y[((n * oh + r) * ow + c) * channels + ch] = reduce(cells);
        }
        return new RefTensor(y, [oh, ow, channels]);
    }

    /// <summary>Row-major (height, width, channel) order: the values do not move.</summary>
    public static RefTensor Flatten(double[] x, int batch) => new((double[])x.Clone(), [x.Length / batch]);

    /// <summary>Inverted dropout with a given mask: y = x * mask, the mask holding 0 or 1 / (1 - rate).</summary>
    public static RefTensor Dropout(double[] x, double[] mask, int[] itemShape)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * mask[i];
        return new RefTensor(y, itemShape);
    }

    public static RefTensor ActivationLayer(double[] x, int[] itemShape, Activation activation) =>
        new(Activate(x, itemShape[^1], activation), itemShape);

    private static double[] Activate(double[] z, int rowLength, Activation activation)
    {
        var y = new double[z.Length];
        ActivationReference.Forward(activation, z, y, rowLength);
        return y;
    }
}
