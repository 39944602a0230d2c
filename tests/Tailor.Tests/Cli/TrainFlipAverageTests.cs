using System.Globalization;
using System.Text.Json;
using Tailor.Tests.Data;

namespace Tailor.Tests.Cli;

/// <summary>`tailor train --flip-average` scores the test images as `tailor evaluate --flip-average` scores the file it wrote.</summary>
public sealed class TrainFlipAverageTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_test_score_is_evaluate_s_flip_averaged_score_of_the_written_model()
    {
        string output = _temp.File("out");
        var (code, trained) = Tailor.Tests.Serialization.Cli.Run(["train", "--model", "vgg", "--epochs", "1", "--train-images", "300",
            "--validation-images", "60", "--test-images", "50", "--augment", "flip", "--flip-average", "--seed", "3", "--out", output]);
        Assert.True(code == 0, trained);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "metrics.json")));
        Assert.True(metrics.RootElement.GetProperty("test_flip_averaged").GetBoolean());
        double accuracy = metrics.RootElement.GetProperty("test_accuracy").GetDouble();
        double loss = metrics.RootElement.GetProperty("test_loss").GetDouble();
        var inv = CultureInfo.InvariantCulture;
        Assert.Contains(string.Create(inv, $"test accuracy {accuracy:F4} (flip-averaged)"), trained);

        var (evaluated, text) = Tailor.Tests.Serialization.Cli.Run(["evaluate", "--model", Path.Combine(output, "model.safetensors"), "--flip-average"]);
        Assert.True(evaluated == 0, text);
        Assert.Contains(string.Create(inv, $"with flip averaging: test loss {loss:F4}, test accuracy {accuracy:F4} on 50 images."), text);
        var (_, plain) = Tailor.Tests.Serialization.Cli.Run(["evaluate", "--model", Path.Combine(output, "model.safetensors")]);
        Assert.DoesNotContain(string.Create(inv, $"test loss {loss:F4}"), plain); // the mirrors count
    }
}
