namespace Tailor.Tests.Kernels;

/// <summary>
/// Tests that change process-wide engine settings (KernelIsa.Active, WorkerPool.Threads), or that
/// need the process to themselves (bit-for-bit determinism, allocation counts). xunit runs this
/// collection alone, after the parallel ones, so nothing else sees the switches move.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalSwitches
{
    public const string Name = "Global engine switches";
}
