using System.Numerics;
using Tailor.Kernels;
using Tailor.Tests.Kernels;

// Prints the kernel path this process detected, runs the GEMM and element-wise sweeps under it, and
// ends with PASS (exit code 0) or FAIL (exit code 1). The tests parse the first line and the last.
Console.WriteLine($"detected: {KernelIsa.Detected}");
Console.WriteLine($"vector: {Vector<float>.Count} lanes, accelerated: {Vector.IsHardwareAccelerated}");

var failures = new List<string>();
Isa[] isas = [KernelIsa.Detected];
foreach (bool transA in new[] { false, true })
foreach (bool transB in new[] { false, true })
foreach (bool accumulate in new[] { false, true })
    failures.AddRange(GemmSweep.Run(isas, transA, transB, accumulate));
foreach (var activation in Enum.GetValues<Activation>()) failures.AddRange(ElementwiseSweep.Activations(activation));
failures.AddRange(ElementwiseSweep.ReluBackward());
failures.AddRange(ElementwiseSweep.Bias());
failures.AddRange(ExactSpansSweep.Run());
failures.AddRange(PoolingSweep.Run());
failures.AddRange(ChannelRowsSweep.Run());
failures.AddRange(ZeroSkippingConvolutionSweep.Run());

// A path wider than the detected one is refused.
if (KernelIsa.Detected < Isa.Avx512)
{
    try
    {
        KernelIsa.Active = Isa.Avx512;
        failures.Add($"KernelIsa.Active accepted Avx512 although only {KernelIsa.Detected} was detected");
        KernelIsa.Active = KernelIsa.Detected;
    }
    catch (PlatformNotSupportedException) { }
}

foreach (var failure in failures.Take(20)) Console.WriteLine($"failure: {failure}");
if (failures.Count > 20) Console.WriteLine($"... and {failures.Count - 20} more failures");
Console.WriteLine(failures.Count == 0 ? "PASS" : $"FAIL ({failures.Count})");
return failures.Count == 0 ? 0 : 1;
