using System.Diagnostics;
using System.Runtime.InteropServices;
using Tailor.Serialization;
using Tailor.Tests.Data;

namespace Tailor.Tests.Serialization;

/// <summary>
/// `tailor train --model resnet` (a functional model) with Nesterov SGD, label smoothing, padded crops, random erasing
/// and a cosine schedule, killed (SIGKILL) or stopped (SIGTERM, mid-epoch) and resumed: the model file, optimizer state
/// and History end bit for bit as an uninterrupted run's. evaluate, predict and summary read the file it wrote.
/// </summary>
public sealed class ResidualResumeAfterKillTests(ResidualResumeAfterKillTests.Uninterrupted reference) : IClassFixture<ResidualResumeAfterKillTests.Uninterrupted>
{
    private const int Epochs = 4;

    private static readonly string[] Run =
    [
        "train", "--model", "resnet", "--epochs", $"{Epochs}", "--train-images", "480", "--test-images", "20", "--batch-size", "32", "--seed", "7",
        "--optimizer", "sgd", "--learning-rate", "0.05", "--momentum", "0.9", "--nesterov", "--label-smoothing", "0.1",
        "--augment", "shift:4,erase:0.25", "--lr-schedule", "cosine",
    ];

    /// <summary>The run without interruption, shared by the tests.</summary>
    public sealed class Uninterrupted() : UninterruptedTrainRun(Run);

    [Fact]
    public void Killed_after_epoch_2_and_resumed_ends_with_the_same_weights_and_history()
    {
        using var folder = new TempDirectory();
        string checkpoints = Path.Combine(folder.Path, "checkpoints");
        using var process = Cli.Start([.. Run, "--out", folder.Path, "--checkpoint-every", "1"]);
        InterruptedTrainRun.WaitFor(() => File.Exists(Path.Combine(checkpoints, CheckpointFile.FileName(2, 0))), process);
        process.Kill();
        process.WaitForExit();
        Assert.False(File.Exists(Path.Combine(folder.Path, "model.safetensors")), "the run finished before it could be killed");

        var (code, output) = Cli.Run(["train", "--resume", checkpoints, "--out", folder.Path]);
        Assert.True(code == 0, output);
        Assert.Contains("Resuming from", output);
        AssertSameAsUninterrupted(folder.Path);
    }

    [Fact]
    public void Stopped_mid_epoch_by_sigterm_and_resumed_ends_the_same()
    {
        using var folder = new TempDirectory();
        string checkpoints = Path.Combine(folder.Path, "checkpoints");
        using var process = Cli.Start([.. Run, "--out", folder.Path, "--checkpoint-every", "1"]);
        InterruptedTrainRun.WaitFor(() => File.Exists(Path.Combine(checkpoints, CheckpointFile.FileName(1, 0))), process);
        Assert.Equal(0, Kill(process.Id, Sigterm));
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(130, process.ExitCode);

        var (code, output) = Cli.Run(["train", "--resume", checkpoints, "--out", folder.Path]);
        Assert.True(code == 0, output);
        AssertSameAsUninterrupted(folder.Path);
    }

    [Fact]
    public void Evaluate_predict_and_summary_read_the_file_train_wrote()
    {
        string model = Path.Combine(reference.Out, "model.safetensors");
        using var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(reference.Out, "metrics.json")));
        double accuracy = metrics.RootElement.GetProperty("test_accuracy").GetDouble();
        Assert.Equal(0.1, metrics.RootElement.GetProperty("label_smoothing").GetDouble(), 6);
        Assert.True(metrics.RootElement.GetProperty("nesterov").GetBoolean());

        var (code, output) = Cli.Run(["evaluate", "--model", model]);
        Assert.True(code == 0, output);
        Assert.Contains("Pre-activation residual network (model.safetensors)", output);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"test accuracy {accuracy:F4} on 20 images"), output);

        (code, output) = Cli.Run(["predict", "--model", model, "--index", "3"]);
        Assert.True(code == 0, output);
        Assert.Contains("Test image 3: ", output);
        Assert.Equal(3, output.Split('\n').Count(line => line.TrimEnd().EndsWith('%')));

        (code, output) = Cli.Run(["summary", "--model", model]);
        Assert.True(code == 0, output);
        Assert.Contains("Total params: 78,042", output);
        Assert.Contains("add_2 (Add)", output);
        Assert.Contains($"Compiled with sgd (step {Epochs * 12}) and categorical_crossentropy.", output);
    }

    [Fact]
    public void Export_writes_the_file_train_wrote_as_onnx_that_onnx_runtime_runs_within_1e_5()
    {
        string model = Path.Combine(reference.Out, "model.safetensors");
        using var folder = new TempDirectory();
        string onnx = folder.File("resnet.onnx");

        var (code, output) = Cli.Run(["export", "--model", model, "--onnx", onnx]);
        Assert.True(code == 0, output);

        var loaded = ModelFile.LoadModel(model);
        var random = new Random(7);
        var x = Tailor.Tensors.Tensor.FromArray([.. Enumerable.Range(0, 16 * 28 * 28).Select(_ => (float)random.NextDouble())], 16, 28, 28, 1);
        var expected = loaded.Predict(x).Span.ToArray();
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(x.Span.ToArray(), [16, 28, 28, 1]);
        using var results = session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), input)]);
        var actual = results.Single().AsEnumerable<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        Assert.All(expected.Zip(actual), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5f, $"Tailor {p.First}, ONNX Runtime {p.Second}"));
    }

    private void AssertSameAsUninterrupted(string resumedOut)
    {
        var expected = SafeTensors.Read(Path.Combine(reference.Out, "model.safetensors"));
        var actual = SafeTensors.Read(Path.Combine(resumedOut, "model.safetensors"));
        Assert.Equal(expected.Tensors.Keys.Order(), actual.Tensors.Keys.Order());
        Assert.Contains("batch_normalization_6/moving_variance", actual.Tensors.Keys);
        foreach (var (name, tensor) in expected.Tensors)
            Assert.True(tensor.Data.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Tensors[name].Data.Select(BitConverter.SingleToInt32Bits)),
                $"tensor {name} differs from the uninterrupted run");
        Assert.Equal(expected.Metadata[ModelFile.IterationsKey], actual.Metadata[ModelFile.IterationsKey]);
        Assert.Equal(InterruptedTrainRun.WithoutSeconds(Path.Combine(reference.Out, "history.csv")), InterruptedTrainRun.WithoutSeconds(Path.Combine(resumedOut, "history.csv")));
    }



    private const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
