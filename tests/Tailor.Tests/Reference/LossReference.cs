namespace Tailor.Tests.Reference;

/// <summary>
/// Keras's losses in double precision, as means over the batch: probabilities are clipped to
/// [1e-7, 1 - 1e-7] before logs, and categorical cross-entropy first rescales each row to sum to one.
/// </summary>
internal static class LossReference
{
    public const double Epsilon = 1e-7;

    private static double Clip(double p) => Math.Clamp(p, Epsilon, 1 - Epsilon);

    public static double CategoricalCrossentropy(double[] p, double[] t, int batch)
    {
        int outputs = p.Length / batch;
        double total = 0;
        for (int r = 0; r < batch; r++)
        {
            double sum = 0;
            for (int j = 0; j < outputs; j++) sum += p[r * outputs + j];
            for (int j = 0; j < outputs; j++) total -= t[r * outputs + j] * Math.Log(Clip(p[r * outputs + j] / sum));
        }
        return total / batch;
    }

    public static double SparseCategoricalCrossentropy(double[] p, int[] labels, int batch)
    {
        int outputs = p.Length / batch;
        double total = 0;
        for (int r = 0; r < batch; r++)
        {
            double sum = 0;
            for (int j = 0; j < outputs; j++) sum += p[r * outputs + j];
            total -= Math.Log(Clip(p[r * outputs + labels[r]] / sum));
        }
        return total / batch;
    }

    public static double BinaryCrossentropy(double[] p, double[] t)
    {
        double total = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double q = Clip(p[i]);
            total -= t[i] * Math.Log(q) + (1 - t[i]) * Math.Log(1 - q);
        }
        return total / p.Length;
    }

    public static double MeanSquaredError(double[] p, double[] t)
    {
        double total = 0;
        for (int i = 0; i < p.Length; i++) total += (p[i] - t[i]) * (p[i] - t[i]);
        return total / p.Length;
    }
}
