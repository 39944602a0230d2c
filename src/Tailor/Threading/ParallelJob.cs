namespace Tailor.Threading;

/// <summary>
/// A unit of parallel work split into numbered tasks. Kernels keep one instance per call site and
/// reuse it, so running work in parallel allocates nothing.
/// </summary>
internal abstract class ParallelJob
{
    public abstract void Run(int task);
}
