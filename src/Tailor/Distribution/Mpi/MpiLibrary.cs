using System.Reflection;
using System.Runtime.InteropServices;

namespace Tailor.Distribution.Mpi;

/// <summary>
/// Finds the MPI library that <see cref="MpiNative"/>'s calls bind to: TAILOR_MPI_LIBRARY when set (a path or a
/// name), else MPICH's libmpich.so.12, else libmpi.so.12 (Intel MPI's and MVAPICH's name for the same ABI).
/// </summary>
internal static class MpiLibrary
{
    /// <summary>The environment variable that names the library to load instead of the default ones.</summary>
    public const string Variable = "TAILOR_MPI_LIBRARY";

    private static readonly Lock Gate = new();
    private static IntPtr s_handle;

    /// <summary>The names tried in turn.</summary>
    public static string[] Candidates => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } chosen ? [chosen] : [MpiNative.Library, "libmpi.so.12"];

    /// <summary>
    /// Loads the library (once per process) and routes <see cref="MpiNative"/>'s imports to it. Throws a
    /// NotSupportedException of one line, naming what was tried and how to install MPICH, when none loads.
    /// </summary>
    public static void Load()
    {
        lock (Gate)
        {
            if (s_handle != IntPtr.Zero) return;
            var assembly = typeof(MpiLibrary).Assembly;
            string[] candidates = Candidates;
            foreach (string name in candidates)
                if (NativeLibrary.TryLoad(name, assembly, null, out var handle))
                {
                    s_handle = handle;
                    NativeLibrary.SetDllImportResolver(assembly, Resolve);
                    return;
                }
            string tried = string.Join(" or ", candidates);
            string how = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 }
                ? $"check {Variable}, or unset it to use MPICH (apt-get install mpich)"
                : "install MPICH with: apt-get install mpich";
            throw new NotSupportedException($"MPI was asked for, but {tried} could not be loaded: {how}.");
        }
    }

    /// <summary>The loaded library for MPI's imports; the default search for everything else (libc).</summary>
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name == MpiNative.Library ? s_handle : IntPtr.Zero;
}
