using System.Runtime.InteropServices;

namespace Tailor.Data.Images;

/// <summary>
/// Lowers the calling thread's scheduling priority (Linux's nice 19) so that it runs on what the training
/// threads leave idle: a decoder at equal priority takes a third of two cores from a trainer whose threads
/// meet at a barrier after every kernel, which then all wait for the one descheduled.
/// </summary>
internal static partial class BackgroundPriority
{
    private const int ProcessPriority = 0; // PRIO_PROCESS: with a thread id, that one thread
    private const int Lowest = 19;

    /// <summary>Lowers the calling thread; elsewhere than Linux, or where refused, it stays as it is.</summary>
    public static void LowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { _ = SetPriority(ProcessPriority, GetThreadId(), Lowest); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, int who, int priority);
}
