using System.Diagnostics;

namespace Tailor.Tests.Cli;

/// <summary>FIFOs and device nodes made inside a test's own folder (never under /dev), for outputs and inputs that must be refused.</summary>
internal static class SpecialFiles
{
    public static string Fifo(string path)
    {
        RunTool("mkfifo", path);
        return path;
    }

    /// <summary>
    /// A character device, by default with /dev/null's numbers (1, 3); (1, 5) is /dev/zero's. Made with mknod;
    /// needs root, else the test is skipped (<see cref="DeviceFactAttribute"/>).
    /// </summary>
    public static string CharacterDevice(string path, int major = 1, int minor = 3)
    {
        RunTool("mknod", path, "c", major.ToString(System.Globalization.CultureInfo.InvariantCulture), minor.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return path;
    }

    public static bool CanMakeDevices => Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";

    private static void RunTool(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { UseShellExecute = false };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        var result = ChildProcess.Run(start, TimeSpan.FromSeconds(10)) ?? throw new TimeoutException($"{tool} hung.");
        if (result.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed: {result.Stderr}");
    }
}

/// <summary>A fact that makes device nodes; reported as skipped, not passed, where the tests do not run as root.</summary>
public sealed class DeviceFactAttribute : FactAttribute
{
    public DeviceFactAttribute()
    {
        if (!SpecialFiles.CanMakeDevices) Skip = "Making device nodes (mknod) needs root.";
    }
}
