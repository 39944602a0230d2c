namespace Tailor.Tests.Reference;

/// <summary>
/// Keras's BatchNormalization in double precision, over the last axis:
/// y = gamma (x - mean) / sqrt(variance + epsilon) + beta, with the batch's mean and biased variance
/// (over every row: batch and positions) in training, and the moving statistics in inference.
/// </summary>
internal static class BatchNormalizationReference
{
    public static RefTensor Forward(double[] x, int[] itemShape, double[]? gamma, double[]? beta,
        double[] movingMean, double[] movingVariance, double epsilon, bool training)
    {
        int channels = itemShape[^1], rows = x.Length / channels;
        var mean = new double[channels];
        var variance = new double[channels];
        if (training)
        {
            for (int c = 0; c < channels; c++)
            {
                double sum = 0;
                for (int r = 0; r < rows; r++) sum += x[r * channels + c];
                mean[c] = sum / rows;
                double squares = 0;
                for (int r = 0; r < rows; r++) squares += (x[r * channels + c] - mean[c]) * (x[r * channels + c] - mean[c]);
                variance[c] = squares / rows;
            }
        }
        else
        {
            movingMean.CopyTo(mean, 0);
            movingVariance.CopyTo(variance, 0);
        }
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < channels; c++)
            y[r * channels + c] = (gamma?[c] ?? 1) * (x[r * channels + c] - mean[c]) / Math.Sqrt(variance[c] + epsilon) + (beta?[c] ?? 0);
        return new RefTensor(y, itemShape);
    }
}
