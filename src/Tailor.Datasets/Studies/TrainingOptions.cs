using System.Text.Json;
using Tailor.Augmentation;
using Tailor.Common;
using Tailor.Data;
using Tailor.Data.Images;
using Tailor.Models;
using Tailor.Optimizers;
using Tailor.Optimizers.Schedules;

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

    /// <summary>Null: no momentum; else SGD's momentum in [0, 1) (only with the sgd optimizer).</summary>
    public float? Momentum { get; init; }

    /// <summary>SGD with Nesterov momentum (needs a <see cref="Momentum"/> above 0).</summary>
    public bool Nesterov { get; init; }

    /// <summary>Null: plain one-hot targets; else Keras's label_smoothing s in [0, 1], targets t (1 - s) + s / classes.</summary>
    public float? LabelSmoothing { get; init; }

    /// <summary>Test-time augmentation: the test score averages the model's outputs on each image and on its mirror image.</summary>
    public bool FlipAverage { get; init; }

    /// <summary>Seeds the weights (seed) and the shuffles and dropout masks (seed + 1).</summary>
    public ulong Seed { get; init; }

    /// <summary>Null: no early stopping; else the patience in epochs, watching val_loss and keeping the best epoch's weights.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Null: a constant learning rate; else a schedule as "step:10,0.5" (see <see cref="ScheduleSpecification"/>).</summary>
    public string? Schedule { get; init; }

    /// <summary>Null: the whole batch in one pass; else each batch cut into this many fixed shards (data-parallel training, see ShardedGradient).</summary>
    public int? Shards { get; init; }

    /// <summary>Null: no augmentation; else training-batch augmentation as "flip,shift:2" (see <see cref="AugmentationPipeline.Parse"/>).</summary>
    public string? Augment { get; init; }

    /// <summary>Null: Fashion-MNIST's 28x28 grayscale images and ten classes; else the image folder's size, colour and classes.</summary>
    public ImageInput? Images { get; init; }

    /// <summary>One image's shape, (height, width, channels).</summary>
    public int[] ImageShape => Images?.Shape ?? [.. NotebookModels.FashionImage];

    /// <summary>The number of classes, the model's outputs.</summary>
    public int Classes => Images?.ClassNames.Count ?? FashionMnist.NumClasses;

    /// <summary>The model's output names, by index.</summary>
    public IReadOnlyList<string> ClassNames => Images?.ClassNames ?? FashionMnist.ClassNames;

    /// <summary>The patience used when --early-stopping is given without one.</summary>
    public const int DefaultPatience = 3;

    public int EffectiveBatchSize => BatchSize ?? Model.DefaultBatchSize();

    /// <summary>Epochs of a run (and of every study's trainings): 10,000 is days of training on the full set.</summary>
    public static readonly ValueRange EpochsRange = new(1, 10_000);

    /// <summary>Samples per step; a batch larger than the training set is the whole set.</summary>
    public static readonly ValueRange BatchSizeRange = new(1, 65_536);

    /// <summary>A learning rate: positive, and at most 10, far above any that trains.</summary>
    public static readonly ValueRange LearningRateRange = new(0, 10, Whole: false, MinExclusive: true);

    /// <summary>Early-stopping patience in epochs.</summary>
    public static readonly ValueRange PatienceRange = new(0, 10_000);

    /// <summary>SGD's momentum: 1 would never forget a gradient.</summary>
    public static readonly ValueRange MomentumRange = new(0, 1, Whole: false, MaxExclusive: true);

    /// <summary>Keras's label_smoothing: 0 keeps the one-hot targets, 1 makes them uniform.</summary>
    public static readonly ValueRange LabelSmoothingRange = new(0, 1, Whole: false);

    /// <summary>Throws an ArgumentException naming the option when a value is out of range.</summary>
    public void Validate()
    {
        EpochsRange.Check("--epochs", Epochs);
        if (BatchSize is int b) BatchSizeRange.Check("--batch-size", b);
        if (LearningRate is float lr) LearningRateRange.Check("--learning-rate", lr);
        if (EarlyStoppingPatience is int p) PatienceRange.Check("--early-stopping", p);
        if (Momentum is float momentum) MomentumRange.Check("--momentum", momentum);
        if (LabelSmoothing is float smoothing) LabelSmoothingRange.Check("--label-smoothing", smoothing);
        if (Shards is int shards && (shards < 1 || shards > EffectiveBatchSize))
            throw new ArgumentException($"--shards must be from 1 to the batch size ({EffectiveBatchSize}), received {shards}.");
        var optimizer = CreateOptimizer();
        CreateSchedule(optimizer.LearningRate, stepsPerEpoch: 1);
        CreateAugmentation();
        if (FlipAverage && Model == NotebookModel.Dense)
            throw new ArgumentException("--flip-average mirrors images, but the dense model takes flattened images. Use an image model such as --model cnn.");
    }

    /// <summary>The per-step schedule, or null; its arguments are in epochs.</summary>
    public LearningRateSchedule? CreateSchedule(float learningRate, int stepsPerEpoch)
    {
        if (Schedule == null) return null;
        try { return ScheduleSpecification.Parse(Schedule).Create(learningRate, stepsPerEpoch, Epochs); }
        catch (ArgumentException e) { throw new ArgumentException($"--lr-schedule: {ErrorText.Of(e)}"); }
    }

    public AugmentationPipeline? CreateAugmentation()
    {
        if (Augment == null) return null;
        if (Model == NotebookModel.Dense)
            throw new ArgumentException("--augment: the dense model takes flattened images, which cannot be flipped or shifted. Use --model cnn or cnn-dropout.");
        try { return AugmentationPipeline.Parse(Augment); }
        catch (ArgumentException e) { throw new ArgumentException($"--augment: {ErrorText.Of(e)}"); }
    }

    /// <summary>These options and the sample's, as JSON, so that a checkpoint can restart the same run.</summary>
    public string ToJson(FashionSampleOptions sample)
    {
        var json = new Dictionary<string, object?>
        {
            ["model"] = Model.CliName(), ["epochs"] = Epochs, ["batch_size"] = BatchSize, ["optimizer"] = Optimizer,
            ["learning_rate"] = LearningRate, ["seed"] = Seed,
            ["early_stopping_patience"] = EarlyStoppingPatience, ["lr_schedule"] = Schedule, ["augment"] = Augment,
            ["sample"] = new Dictionary<string, object?>
            {
                ["seed"] = sample.Seed, ["train_count"] = sample.TrainCount, ["test_count"] = sample.TestCount, ["validation_count"] = sample.ValidationCount,
            },
        };
        // Written only for image folders: the files of Fashion-MNIST runs stay as they were.
        if (Images != null) json["images"] = JsonDocument.Parse(Images.ToJson()).RootElement;
        // Written only for sharded runs, for the same reason; a resumed run keeps its shards.
        if (Shards != null) json["shards"] = Shards;
        // Likewise written only when set, so that a file of a run without them keeps its bytes.
        if (Momentum != null) json["momentum"] = Momentum;
        if (Nesterov) json["nesterov"] = true;
        if (LabelSmoothing != null) json["label_smoothing"] = LabelSmoothing;
        if (FlipAverage) json["flip_average"] = true;
        return JsonSerializer.Serialize(json);
    }

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
                EarlyStoppingPatience = root.TryGetProperty("early_stopping_patience", out var patience) ? NullableInt(patience) : null,
                Schedule = root.TryGetProperty("lr_schedule", out var schedule) ? NullableString(schedule) : null,
                Augment = root.TryGetProperty("augment", out var augment) ? NullableString(augment) : null,
                Shards = root.TryGetProperty("shards", out var shards) ? NullableInt(shards) : null,
                Momentum = root.TryGetProperty("momentum", out var momentum) && momentum.ValueKind == JsonValueKind.Number ? momentum.GetSingle() : null,
                Nesterov = root.TryGetProperty("nesterov", out var nesterov) && nesterov.GetBoolean(),
                LabelSmoothing = root.TryGetProperty("label_smoothing", out var smoothing) && smoothing.ValueKind == JsonValueKind.Number ? smoothing.GetSingle() : null,
                FlipAverage = root.TryGetProperty("flip_average", out var flip) && flip.GetBoolean(),
                Images = root.TryGetProperty("images", out var images) && images.ValueKind != JsonValueKind.Null ? ImageInput.FromJson(images) : null,
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
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException or FormatException)
        {
            throw new FormatException($"The training options are malformed: {e.Message}", e);
        }
    }

    private static int? NullableInt(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();

    private static string? NullableString(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetString();

    public Optimizer CreateOptimizer()
    {
        Optimizer optimizer;
        try { optimizer = Optimizers.Optimizer.Parse(Optimizer, LearningRate); }
        catch (ArgumentException e) { throw new ArgumentException($"--optimizer: {e.Message}"); }
        if (Momentum == null && !Nesterov) return optimizer;
        string given = Momentum != null ? "--momentum" : "--nesterov";
        if (optimizer is not Sgd sgd)
            throw new ArgumentException($"{given} applies to --optimizer sgd, received --optimizer {Optimizer}.");
        if (Nesterov && !(Momentum > 0))
            throw new ArgumentException($"--nesterov needs a --momentum above 0 (e.g. --momentum 0.9), received {(Momentum is float m ? $"--momentum {m.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "none")}.");
        return new Sgd(sgd.LearningRate, Momentum ?? 0, Nesterov);
    }

    /// <summary>The categorical crossentropy, its targets smoothed by <see cref="LabelSmoothing"/>.</summary>
    public Losses.CategoricalCrossentropy CreateLoss() => new(labelSmoothing: LabelSmoothing ?? 0);
}
