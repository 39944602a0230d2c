using Tailor.Kernels;

namespace Tailor.Tests.Reference;

/// <summary>
/// Double-precision forward passes of the sequence and global pooling layers, from Keras's and
/// TensorFlow's definitions with naive loops, sharing nothing with the engine. Sequences are
/// (batch, steps, channels); Conv1D's kernel is (kernel_size, in_channels, filters).
/// </summary>
internal static class SequenceLayerReference
{
    /// <summary>
    /// Output length and leading pad of a dilated window, as TensorFlow defines them: the window spans
    /// (k - 1) d + 1 cells; valid keeps full windows, same pads to ceil(n / s) with the extra cell at the
    /// end, causal pads (k - 1) d cells at the start and then is valid.
    /// </summary>
    public static (int Out, int PadBefore) Axis(int size, int window, int stride, int dilation, Padding padding)
    {
        int span = (window - 1) * dilation + 1;
        return padding switch
        {
            Padding.Valid => (Math.Max(0, (int)Math.Ceiling((size - span + 1) / (double)stride)), 0),
            // Valid over the size + span - 1 cells of the padded sequence.
            Padding.Causal => ((int)Math.Ceiling(size / (double)stride), span - 1),
            _ => SameAxis(size, span, stride),
        };
    }

    private static (int, int) SameAxis(int size, int span, int stride)
    {
        int outSize = (int)Math.Ceiling(size / (double)stride);
        int total = Math.Max((outSize - 1) * stride + span - size, 0);
        return (outSize, total / 2);
    }

    /// <summary>y[t, f] = activation(b[f] + sum over taps i and channels c of x[t s + i d - pad, c] w[i, c, f]); zeros outside.</summary>
    public static RefTensor Conv1D(double[] x, int batch, int steps, int channels, double[] kernel, double[]? bias,
        int kernelSize, int filters, int stride, int dilation, Padding padding, Activation activation)
    {
        var (outSteps, pad) = Axis(steps, kernelSize, stride, dilation, padding);
        var z = new double[batch * outSteps * filters];
        for (int n = 0; n < batch; n++)
        for (int t = 0; t < outSteps; t++)
        for (int f = 0; f < filters; f++)
        {
            double sum = bias?[f] ?? 0;
            for (int i = 0; i < kernelSize; i++)
            {
                int at = t * stride + i * dilation - pad;
                if (at < 0 || at >= steps) continue;
                for (int c = 0; c < channels; c++)
                    sum += x[(n * steps + at) * channels + c] * kernel[(i * channels + c) * filters + f];
            }
            z[(n * outSteps + t) * filters + f] = sum;
        }
        var y = new double[z.Length];
        ActivationReference.Forward(activation, z, y, filters);
        return new RefTensor(y, [outSteps, filters]);
    }

    /// <summary>Max (padded cells never win) or mean of the cells inside the sequence, over windows of a sequence.</summary>
    public static RefTensor Pooling1D(double[] x, int batch, int steps, int channels, int pool, int stride, Padding padding, bool max)
    {
        var (outSteps, pad) = Axis(steps, pool, stride, 1, padding);
        var y = new double[batch * outSteps * channels];
        for (int n = 0; n < batch; n++)
        for (int t = 0; t < outSteps; t++)
        for (int c = 0; c < channels; c++)
        {
            var cells = new List<double>();
            for (int i = 0; i < pool; i++)
            {
                int at = t * stride + i - pad;
                if (at >= 0 && at < steps) cells.Add(x[(n * steps + at) * channels + c]);
            }
            y[(n * outSteps + t) * channels + c] = max ? cells.Max() : cells.Average();
        }
        return new RefTensor(y, [outSteps, channels]);
    }

    /// <summary>Max or mean over every position of each sample, per channel: (batch, ..., C) to (batch, C).</summary>
    public static RefTensor GlobalPooling(double[] x, int batch, int channels, bool max)
    {
        int positions = x.Length / batch / channels;
        var y = new double[batch * channels];
        for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++)
        {
            var cells = Enumerable.Range(0, positions).Select(p => x[(n * positions + p) * channels + c]).ToList();
            y[n * channels + c] = max ? cells.Max() : cells.Average();
        }
        return new RefTensor(y, [channels]);
    }
}
