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
    /// <summary>The same with a cosine decay of the rate to zero over the run.</summary>
    Cosine,
    /// <summary>The pre-activation ResNet (residual connections and BatchNormalization), still RMSprop and cosine.</summary>
    ResNet,
    /// <summary>SGD with Nesterov momentum 0.9 at rate 0.05 instead of RMSprop.</summary>
    SgdNesterov,
    /// <summary>Training batches mirrored and cropped with padding (the study's augmentation).</summary>
    Augmentation,
    /// <summary>Label smoothing 0.1.</summary>
    LabelSmoothing,
    /// <summary>Random erasing added to the augmentation.</summary>
    RandomErasing,
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
        RecordRung.Cosine => "cosine",
        RecordRung.ResNet => "resnet",
        RecordRung.SgdNesterov => "sgd-nesterov",
        RecordRung.Augmentation => "augmentation",
        RecordRung.LabelSmoothing => "label-smoothing",
        RecordRung.RandomErasing => "random-erasing",
        _ => "flip-averaging",
    };

    /// <summary>What the rung adds, as a table row names it.</summary>
    public static string Title(this RecordRung rung) => rung switch
    {
        RecordRung.NotebookCnn => "Notebook CNN",
        RecordRung.Cosine => "+ cosine schedule",
        RecordRung.ResNet => "+ ResNet with BatchNorm",
        RecordRung.SgdNesterov => "+ SGD Nesterov",
        RecordRung.Augmentation => "+ augmentation",
        RecordRung.LabelSmoothing => "+ label smoothing",
        RecordRung.RandomErasing => "+ random erasing",
        _ => "+ flip averaging (TTA)",
    };

    /// <summary>
    /// The training of <paramref name="rung"/>: the rung before it with one thing changed. The flip-averaging
    /// rung trains nothing; it is given the training of the rung it evaluates.
    /// </summary>
    public static TrainingOptions Training(this RecordRung rung, RecordStudyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var t = new TrainingOptions { Model = NotebookModel.Cnn, Epochs = options.Epochs, Seed = options.Seed, BatchSize = options.BatchSize };
        if (rung >= RecordRung.Cosine) t = t with { Schedule = "cosine" };
        if (rung >= RecordRung.ResNet) t = t with { Model = NotebookModel.ResNet };
        if (rung >= RecordRung.SgdNesterov) t = t with { Optimizer = "sgd", LearningRate = options.SgdLearningRate, Momentum = 0.9f, Nesterov = true };
        if (rung >= RecordRung.Augmentation) t = t with { Augment = options.Augment };
        if (rung >= RecordRung.LabelSmoothing) t = t with { LabelSmoothing = options.LabelSmoothing };
        if (rung >= RecordRung.RandomErasing) t = t with { Augment = $"{options.Augment},erase:{options.Erase.ToString(System.Globalization.CultureInfo.InvariantCulture)}" };
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
