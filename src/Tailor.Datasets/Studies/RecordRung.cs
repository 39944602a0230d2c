using Tailor.Models;

namespace Tailor.Studies;

/// <summary>
/// The rungs of the record study, from the notebook's CNN to the record's recipe: each adds one ingredient to
/// the rung before it.
/// </summary>
public enum RecordRung
{
    /// <summary>The notebook's CNN with RMSprop at a constant rate: the notebook's baseline.</summary>
    NotebookCnn,
    /// <summary>BatchNormalization between each convolution and its ReLU (`--model cnn-bn`).</summary>
    BatchNorm,
    /// <summary>The VGG-style network: wider, two "same" convolutions a stage, each with BatchNorm, and dropout (`--model vgg`).</summary>
    Vgg,
    /// <summary>A one-cycle schedule: the rate climbs over the first 30% of the steps, then falls to nearly zero.</summary>
    OneCycle,
    /// <summary>AdamW at a peak rate of 0.003 instead of RMSprop at 0.001.</summary>
    AdamW,
    /// <summary>Training images mirrored left to right at random (the study's augmentation).</summary>
    Augmentation,
    /// <summary>The previous rung's model evaluated with test-time flip averaging: no training.</summary>
    FlipAveraging,
}

public static class RecordRungs
{
    public static IReadOnlyList<RecordRung> All { get; } = Enum.GetValues<RecordRung>();

    /// <summary>The rung's number, from 1.</summary>
    public static int Number(this RecordRung rung) => (int)rung + 1;

    /// <summary>False for the rung that only evaluates the rung before it.</summary>
    public static bool Trains(this RecordRung rung) => rung != RecordRung.FlipAveraging;

    /// <summary>The short name used in the CSV, file names and legends.</summary>
    public static string CliName(this RecordRung rung) => rung switch
    {
        RecordRung.NotebookCnn => "notebook-cnn",
        RecordRung.BatchNorm => "batch-norm",
        RecordRung.Vgg => "vgg",
        RecordRung.OneCycle => "one-cycle",
        RecordRung.AdamW => "adamw",
        RecordRung.Augmentation => "augmentation",
        _ => "flip-averaging",
    };

    /// <summary>What the rung adds, as a table row names it.</summary>
    public static string Title(this RecordRung rung) => rung switch
    {
        RecordRung.NotebookCnn => "Notebook CNN",
        RecordRung.BatchNorm => "+ BatchNorm",
        RecordRung.Vgg => "+ VGG-style network",
        RecordRung.OneCycle => "+ one-cycle schedule",
        RecordRung.AdamW => "+ AdamW",
        RecordRung.Augmentation => "+ flip augmentation",
        _ => "+ flip averaging (TTA)",
    };

    /// <summary>
    /// The training of <paramref name="rung"/>: the rung before it with one thing changed. The flip-averaging
    /// rung trains nothing; it is given the training of the rung it evaluates. The last rung that trains is the
    /// record's `tailor train` run, but for its --flip-average, which the last rung adds.
    /// </summary>
    public static TrainingOptions Training(this RecordRung rung, RecordStudyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var t = new TrainingOptions { Model = NotebookModel.Cnn, Epochs = options.Epochs, Seed = options.Seed, BatchSize = options.BatchSize };
        if (rung >= RecordRung.BatchNorm) t = t with { Model = NotebookModel.CnnBatchNorm };
        if (rung >= RecordRung.Vgg) t = t with { Model = NotebookModel.Vgg };
        if (rung >= RecordRung.OneCycle) t = t with { Schedule = "one-cycle" };
        if (rung >= RecordRung.AdamW) t = t with { Optimizer = "adamw", LearningRate = options.AdamWLearningRate };
        if (rung >= RecordRung.Augmentation) t = t with { Augment = options.Augment };
        return t;
    }

    /// <summary>The rung's settings in `tailor train` options (and `evaluate --flip-average` for the last).</summary>
    public static string Setting(this RecordRung rung, RecordStudyOptions options)
    {
        var t = rung.Training(options);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var parts = new List<string> { $"--model {t.Model.CliName()}", $"--optimizer {t.Optimizer}" };
        if (t.LearningRate is float lr) parts.Add($"--learning-rate {lr.ToString(inv)}");
        if (t.Momentum is float m) parts.Add($"--momentum {m.ToString(inv)}{(t.Nesterov ? " --nesterov" : "")}");
        if (t.Schedule != null) parts.Add($"--lr-schedule {t.Schedule}");
        if (t.Augment != null) parts.Add($"--augment {t.Augment}");
        if (t.LabelSmoothing is float s) parts.Add($"--label-smoothing {s.ToString(inv)}");
        if (!rung.Trains()) parts.Add("then evaluate --flip-average");
        return string.Join(' ', parts);
    }
}
