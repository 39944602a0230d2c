using System.Diagnostics;
using System.Numerics;
using Tailor.Kernels;
using Tailor.Tests.Cli;

namespace Tailor.Tests.Kernels;

/// <summary>
/// Reruns the kernel sweeps (GEMM under the detected path, activations, bias) in a child process,
/// Tailor.KernelCheck, with the switches .NET 10 honours turning the wider instruction sets off, so
/// that the AVX2 and portable paths, and the narrower TensorPrimitives and Vector&lt;T&gt; code, are
/// tested on a machine that has AVX-512.
/// </summary>
public class IsaChildProcessTests
{
    // The expected path by name: Isa is internal to the engine, and a public test method cannot take it.
    public static TheoryData<string, string, bool> Cases() => new()
    {
        { "", KernelIsa.Detected.ToString(), Vector.IsHardwareAccelerated },
        { "DOTNET_EnableAVX512", (KernelIsa.Detected < Isa.Avx2 ? KernelIsa.Detected : Isa.Avx2).ToString(), Vector.IsHardwareAccelerated },
        { "DOTNET_EnableAVX2", nameof(Isa.Portable), Vector.IsHardwareAccelerated },
        { "DOTNET_EnableHWIntrinsic", nameof(Isa.Portable), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Kernel_sweeps_pass_with_wider_instruction_sets_switched_off(string disabled, string expected, bool accelerated)
    {
        var (exitCode, output) = RunKernelCheck(disabled);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length >= 3, $"KernelCheck printed too little (exit code {exitCode}):\n{output}");
        Assert.Equal($"detected: {expected}", lines[0]);
        Assert.EndsWith($"accelerated: {accelerated}", lines[1]);
        Assert.True(exitCode == 0 && lines[^1] == "PASS", $"KernelCheck with {(disabled == "" ? "no switch" : disabled + "=0")} failed (exit code {exitCode}):\n{output}");
    }

    private static (int ExitCode, string Output) RunKernelCheck(string disabled)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Tailor.KernelCheck.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: Tailor.Tests should reference tests/Tailor.KernelCheck.");
        var start = new ProcessStartInfo(ChildProcess.DotnetHost(), [dll]);
        // Switches this process was started with stay on: the expectations start from this process's Detected.
        if (disabled != "") start.Environment[disabled] = "0";
        var result = ChildProcess.Run(start, TimeSpan.FromMinutes(2));
        if (result is not var (exitCode, stdout, stderr))
        {
            Assert.Fail($"KernelCheck with {disabled}=0 did not finish in two minutes.");
            return default;
        }
        return (exitCode, stdout + stderr);
    }
}
