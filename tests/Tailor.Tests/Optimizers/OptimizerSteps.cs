using Tailor.Layers;
using Tailor.Optimizers;
using Tailor.Threading;

namespace Tailor.Tests.Optimizers;

/// <summary>An optimizer applied to one parameter for a few steps of given gradients, on a given number of threads.</summary>
internal static class OptimizerSteps
{
    /// <summary>The parameter's values after <paramref name="steps"/> updates from <paramref name="initial"/>.</summary>
    public static float[] Run(Optimizer optimizer, float[] initial, Func<int, float[]> gradient, int steps, int threads)
    {
        int saved = WorkerPool.Threads;
        WorkerPool.Threads = threads;
        try
        {
            Parameter[] parameters = [new("kernel", [initial.Length])];
            initial.CopyTo(parameters[0].Value.Span);
            for (int step = 0; step < steps; step++)
            {
                gradient(step).CopyTo(parameters[0].Gradient.Span);
                optimizer.Apply(parameters);
            }
            return parameters[0].Value.Span.ToArray();
        }
        finally { WorkerPool.Threads = saved; }
    }
}
