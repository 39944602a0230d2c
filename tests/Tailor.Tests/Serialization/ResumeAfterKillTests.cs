using System.Diagnostics;
using System.Runtime.InteropServices;
using Tailor.Serialization;
using Tailor.Tests.Cli;
using Tailor.Tests.Data;

namespace Tailor.Tests.Serialization;

/// <summary>
/// `tailor train` in a child process is killed (SIGKILL) or asked to stop (SIGTERM) in the middle of
/// training and resumed from its checkpoints; the final weights, optimizer state and History must be
/// bit for bit those of an uninterrupted run with the same seed.
/// </summary>
public sealed class ResumeAfterKillTests(ResumeAfterKillTests.Uninterrupted reference) : IClassFixture<ResumeAfterKillTests.Uninterrupted>
{
    private const int Epochs = 6;

    private static readonly string[] Run =
    [
        "train", "--model", "cnn-dropout", "--epochs", $"{Epochs}", "--train-images", "480", "--test-images", "20",
        "--batch-size", "32", "--seed", "7",
    ];

    /// <summary>The run without interruption, shared by the tests.</summary>
    public sealed class Uninterrupted() : UninterruptedTrainRun(Run);

    [Fact]
    public void Killed_in_epoch_5_and_resumed_ends_with_the_same_weights_and_history()
    {
        using var folder = new TempDirectory();
        string checkpoints = Path.Combine(folder.Path, "checkpoints");
        using var process = Cli.Start([.. Run, "--out", folder.Path, "--checkpoint-every", "1"]);
        InterruptedTrainRun.WaitFor(() => File.Exists(Path.Combine(checkpoints, CheckpointFile.FileName(4, 0))), process);
        process.Kill();
        process.WaitForExit();

        Assert.False(File.Exists(Path.Combine(folder.Path, "model.safetensors")), "the run finished before it could be killed");
        var left = CheckpointFile.List(checkpoints).Select(Path.GetFileName).ToList();
        Assert.Contains(CheckpointFile.FileName(4, 0), left);
        Assert.DoesNotContain(CheckpointFile.FileName(Epochs, 0), left);

        var (code, output) = Cli.Run(["train", "--resume", checkpoints, "--out", folder.Path]);
        Assert.True(code == 0, output);
        Assert.Contains("Resuming from", output);
        AssertSameAsUninterrupted(folder.Path);
    }

    [Fact]
    public void Sigterm_finishes_the_batch_writes_a_checkpoint_and_the_resumed_run_ends_the_same()
    {
        using var folder = new TempDirectory();
        string checkpoints = Path.Combine(folder.Path, "checkpoints");
        using var process = Cli.Start([.. Run, "--out", folder.Path, "--checkpoint-every", "2"]);
        InterruptedTrainRun.WaitFor(() => File.Exists(Path.Combine(checkpoints, CheckpointFile.FileName(2, 0))), process);
        Assert.Equal(0, Kill(process.Id, Sigterm));
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.Equal(130, process.ExitCode);
        // One line on stderr, the outcome (the acknowledgement of the signal goes to stdout).
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("tailor: error: Training was interrupted at ", line);
        Assert.Contains("checkpoint written to", line);
        Assert.Contains("tailor train --resume", line);
        string latest = CheckpointFile.List(checkpoints)[0];
        Assert.NotEqual(CheckpointFile.FileName(2, 0), Path.GetFileName(latest));

        var (code, output) = Cli.Run(["train", "--resume", checkpoints, "--out", folder.Path]);
        Assert.True(code == 0, output);
        AssertSameAsUninterrupted(folder.Path);
    }

    [Fact]
    public void Evaluate_predict_and_export_use_the_model_that_train_saved()
    {
        string model = Path.Combine(reference.Out, "model.safetensors");
        using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(reference.Out, "metrics.json")));
        double accuracy = metrics.RootElement.GetProperty("test_accuracy").GetDouble();

        var (code, output) = Cli.Run(["evaluate", "--model", model]);
        Assert.True(code == 0, output);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"test accuracy {accuracy:F4} on 20 images"), output);

        (code, output) = Cli.Run(["predict", "--model", model, "--index", "3"]);
        Assert.True(code == 0, output);
        Assert.Contains("Test image 3: ", output);
        Assert.Equal(3, output.Split('\n').Count(line => line.TrimEnd().EndsWith('%')));

        using var folder = new TempDirectory();
        (code, output) = Cli.Run(["export", "--model", model, "--onnx", folder.File("m.onnx")]);
        Assert.True(code == 0, output);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(folder.File("m.onnx"));
        Assert.Equal("conv2d_input", Assert.Single(session.InputMetadata).Key);

        (code, output) = Cli.Run(["predict", "--model", folder.File("m.onnx")]);
        Assert.Equal(1, code);
        Assert.StartsWith($"tailor: error: {folder.File("m.onnx")}: ", output.Trim());
    }

    private void AssertSameAsUninterrupted(string resumedOut)
    {
        var expected = SafeTensors.Read(Path.Combine(reference.Out, "model.safetensors"));
        var actual = SafeTensors.Read(Path.Combine(resumedOut, "model.safetensors"));
        Assert.Equal(expected.Tensors.Keys.Order(), actual.Tensors.Keys.Order());
        Assert.Contains("optimizer/dense/kernel/0", actual.Tensors.Keys);
        foreach (var (name, tensor) in expected.Tensors)
            Assert.True(tensor.Data.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Tensors[name].Data.Select(BitConverter.SingleToInt32Bits)),
                $"tensor {name} differs from the uninterrupted run");
        Assert.Equal(expected.Metadata[ModelFile.IterationsKey], actual.Metadata[ModelFile.IterationsKey]);
        // history.csv holds every value in round-trip precision; only the seconds column may differ.
        Assert.Equal(InterruptedTrainRun.WithoutSeconds(Path.Combine(reference.Out, "history.csv")), InterruptedTrainRun.WithoutSeconds(Path.Combine(resumedOut, "history.csv")));
        Assert.Equal(Epochs + 1, File.ReadAllLines(Path.Combine(resumedOut, "history.csv")).Length);
    }



    private const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>The tailor command (Tailor.Cli.dll beside the tests) run in a child process on the vendored data.</summary>
internal static class Cli
{
    public static Process Start(string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Tailor.Cli.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: Tailor.Tests should reference src/Tailor.Cli.");
        var start = new ProcessStartInfo(ChildProcess.DotnetHost(), [dll, .. args, "--data", VendoredData.Directory])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        // Drain stdout so that a full pipe never blocks the child; stderr is read by the caller.
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    public static (int ExitCode, string Output) Run(string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Tailor.Cli.dll");
        var start = new ProcessStartInfo(ChildProcess.DotnetHost(), [dll, .. args, "--data", VendoredData.Directory]);
        var result = ChildProcess.Run(start, TimeSpan.FromMinutes(3));
        if (result is not var (exitCode, stdout, stderr))
        {
            Assert.Fail($"tailor {string.Join(' ', args)} did not finish in three minutes.");
            return default;
        }
        return (exitCode, stdout + stderr);
    }
}
