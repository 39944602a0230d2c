using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Tailor.Kernels;

/// <summary>The instruction sets the hand-written kernels have a path for.</summary>
internal enum Isa
{
    /// <summary>System.Numerics.Vector&lt;T&gt; (scalar when hardware intrinsics are off).</summary>
    Portable,
    /// <summary>AVX2 with FMA, 256-bit.</summary>
    Avx2,
    /// <summary>AVX-512F, 512-bit.</summary>
    Avx512,
}

/// <summary>Which path the kernels take; detected once, and lowerable for tests.</summary>
internal static class KernelIsa
{
    /// <summary>The widest path this process supports (the DOTNET_Enable* switches lower it).</summary>
    public static Isa Detected { get; } =
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? Isa.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? Isa.Avx2
        : Isa.Portable;

    private static Isa _active = Detected;

    /// <summary>The path in use. Setting a path wider than <see cref="Detected"/> is refused.</summary>
    public static Isa Active
    {
        get => _active;
        set
        {
            if (value > Detected)
                throw new PlatformNotSupportedException($"Kernel path {value} is not supported here; the widest is {Detected}.");
            _active = value;
        }
    }

    public static string Describe() =>
        $"{Active} (detected {Detected}; Vector<float> {Vector<float>.Count} lanes, hardware accelerated: {Vector.IsHardwareAccelerated})";
}
