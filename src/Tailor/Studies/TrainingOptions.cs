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

    public Optimizer CreateOptimizer()
    {
        try { return Optimizers.Optimizer.Parse(Optimizer, LearningRate); }
        catch (ArgumentException e) { throw new ArgumentException($"--optimizer: {e.Message}"); }
    }
}
