using System.Diagnostics;
using Tailor.Models;
using Tailor.Tests.Data;
using Tailor.Serialization;

namespace Tailor.Tests.Serialization;

/// <summary>
/// Saving into a read-only or full folder fails with an IOException naming the file, and the model
/// file already there stays whole, with no temporary file left beside it. Tests run as root here, and
/// root ignores permission bits, so a folder is made read-only with chattr +i (which binds root too)
/// when running as root, with chmod otherwise; a full disk is a 64 KiB tmpfs, which needs root.
/// </summary>
public sealed class UnwritableLocationTests
{
    private static Sequential Small()
    {
        var model = new Sequential([new Tailor.Layers.Core.Dense(4, Tailor.Kernels.Activation.Relu), new Tailor.Layers.Core.Dense(2)], seed: 1);
        model.Build(3);
        return model;
    }

    [Fact]
    public void Saving_into_a_read_only_folder_fails_clearly_and_keeps_the_earlier_model()
    {
        using var folder = new TempDirectory();
        string path = folder.File("model.safetensors");
        Small().Save(path);
        byte[] earlier = File.ReadAllBytes(path);

        using (ReadOnly.Make(folder.Path))
        {
            var error = Assert.ThrowsAny<IOException>(() => NotebookModels.Create(NotebookModel.Cnn).Save(path));
            Assert.StartsWith($"Could not write '{path}'", error.Message);

            var (code, output) = Cli.Run(["export", "--model", path, "--onnx", folder.File("model.onnx")]);
            Assert.Equal(1, code);
            Assert.StartsWith($"tailor: error: Could not write '{folder.File("model.onnx")}'", output.Trim());
            Assert.Single(output.Trim().Split('\n'));
        }
        Assert.Equal(earlier, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], folder.ListFiles());
    }

    [FullDiskFact]
    public void Saving_onto_a_full_disk_fails_clearly_and_keeps_the_earlier_model()
    {
        using var folder = new TempDirectory();
        using var disk = TinyDisk.Mount(folder.Subfolder("disk"));
        string path = Path.Combine(disk.Path, "model.safetensors");
        Small().Save(path);
        byte[] earlier = File.ReadAllBytes(path);

        var error = Assert.ThrowsAny<IOException>(() => NotebookModels.Create(NotebookModel.Cnn).Save(path));

        Assert.StartsWith($"Could not write '{path}'", error.Message);
        Assert.Contains("No space left on device", error.Message);
        Assert.Equal(earlier, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], Directory.GetFiles(disk.Path).Select(Path.GetFileName));
    }

    /// <summary>Makes a folder unwritable for this process until disposed.</summary>
    private sealed class ReadOnly : IDisposable
    {
        private readonly string _path;
        private readonly bool _immutable;

        private ReadOnly(string path, bool immutable) => (_path, _immutable) = (path, immutable);

        public static ReadOnly Make(string path)
        {
            if (Environment.IsPrivilegedProcess)
            {
                Assert.True(Shell.Run("chattr", "+i", path) == 0, $"chattr +i {path} failed: root needs an immutable folder, since it ignores permission bits.");
                return new ReadOnly(path, immutable: true);
            }
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            return new ReadOnly(path, immutable: false);
        }

        public void Dispose()
        {
            if (_immutable) Shell.Run("chattr", "-i", _path);
            else File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>A 64 KiB tmpfs mounted on a folder until disposed.</summary>
    private sealed class TinyDisk : IDisposable
    {
        private TinyDisk(string path) => Path = path;

        public string Path { get; }

        public static TinyDisk Mount(string path)
        {
            Assert.True(Shell.Run("mount", "-t", "tmpfs", "-o", "size=64k", "tailor-test", path) == 0, $"mounting a tmpfs on {path} failed");
            return new TinyDisk(path);
        }

        public void Dispose() => Shell.Run("umount", Path);
    }
}

/// <summary>A fact that needs to mount a tiny tmpfs (root with mount rights); reported as skipped where that is impossible.</summary>
public sealed class FullDiskFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public FullDiskFactAttribute()
    {
        if (Missing.Value is string reason) Skip = reason;
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess) return "Mounting a tmpfs to fill needs root on Linux.";
        string folder = Directory.CreateTempSubdirectory("tailor-mount-probe-").FullName;
        try
        {
            if (Shell.Run("mount", "-t", "tmpfs", "-o", "size=64k", "tailor-probe", folder) != 0) return "This machine does not allow mounting a tmpfs.";
            Shell.Run("umount", folder);
            return null;
        }
        finally { Directory.Delete(folder); }
    }
}

internal static class Shell
{
    public static int Run(string program, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception) { return -1; }
    }
}
