using System.Text.Json;
using Tailor.Data;
using Tailor.Models;
using Tailor.Optimizers;

namespace Tailor.Studies;

/// <summary>How to train one of the notebook's models; checked before any work starts.</summary>
public sealed record TrainingOptions
{
    public NotebookModel Model { get; init; } = NotebookModel.Cnn;
    public int Epochs { get; init; } = 10;
    /// <summary>Null: the notebook's batch size for the model.</summary>
    public int? BatchSize { get; init; }
    public string Optimizer { get; init; } = "rmsprop";
    /// <summary>Null: Keras's default for the optimizer.</summary>
    public float? LearningRate { get; init; }
    /// <summary>Seeds the weights (seed) and the shuffles and dropout masks (seed + 1).</summary>
    public ulong Seed { get; init; }

    public int EffectiveBatchSize => BatchSize ?? Model.DefaultBatchSize();

    /// <summary>Throws an ArgumentException naming the option when a value is out of range.</summary>
    public void Validate()
    {
        if (Epochs <= 0) throw new ArgumentException($"--epochs must be a positive integer, received {Epochs}.");
        if (BatchSize is int b && b <= 0) throw new ArgumentException($"--batch-size must be a positive integer, received {b}.");
        if (LearningRate is float lr && !(lr > 0)) throw new ArgumentException($"--learning-rate must be a positive number, received {lr}.");
        CreateOptimizer();
    }

    /// <summary>These options and the sample's, as JSON, so that a checkpoint can restart the same run.</summary>
    public string ToJson(FashionSampleOptions sample) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["model"] = Model.CliName(), ["epochs"] = Epochs, ["batch_size"] = BatchSize, ["optimizer"] = Optimizer,
        ["learning_rate"] = LearningRate, ["seed"] = Seed,
        ["sample"] = new Dictionary<string, object?>
        {
            ["seed"] = sample.Seed, ["train_count"] = sample.TrainCount, ["test_count"] = sample.TestCount, ["validation_count"] = sample.ValidationCount,
        },
    });

    /// <summary>Reads what <see cref="ToJson"/> wrote; throws a FormatException when it is malformed.</summary>
    public static (TrainingOptions Options, FashionSampleOptions Sample) FromJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var sample = root.GetProperty("sample");
            var options = new TrainingOptions
            {
                Model = NotebookModels.Parse(root.GetProperty("model").GetString()!),
                Epochs = root.GetProperty("epochs").GetInt32(),
                BatchSize = NullableInt(root.GetProperty("batch_size")),
                Optimizer = root.GetProperty("optimizer").GetString()!,
                LearningRate = root.GetProperty("learning_rate") is { ValueKind: JsonValueKind.Number } lr ? lr.GetSingle() : null,
                Seed = root.GetProperty("seed").GetUInt64(),
            };
            var sampleOptions = new FashionSampleOptions
            {
                Seed = sample.GetProperty("seed").GetUInt64(),
                TrainCount = NullableInt(sample.GetProperty("train_count")),
                TestCount = NullableInt(sample.GetProperty("test_count")),
                ValidationCount = sample.GetProperty("validation_count").GetInt32(),
            };
            return (options, sampleOptions);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"The training options are malformed: {e.Message}", e);
        }
    }

    private static int? NullableInt(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();

    public Optimizer CreateOptimizer()
    {
        try { return Optimizers.Optimizer.Parse(Optimizer, LearningRate); }
        catch (ArgumentException e) { throw new ArgumentException($"--optimizer: {e.Message}"); }
    }
}
