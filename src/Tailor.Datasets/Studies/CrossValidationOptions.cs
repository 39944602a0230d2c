using Tailor.Models;

namespace Tailor.Studies;

/// <summary>How <see cref="CrossValidation"/> trains one of the notebook's models on each fold; checked before any work starts.</summary>
public sealed record CrossValidationOptions
{
    public NotebookModel Model { get; init; } = NotebookModel.Cnn;
    public int Folds { get; init; } = 5;
    /// <summary>Null: the epochs the tutorial keeps for the model (CNN 14, CNN with dropout 20, dense 20).</summary>
    public int? Epochs { get; init; }
    /// <summary>Null: the notebook's batch size for the model.</summary>
    public int? BatchSize { get; init; }
    public string Optimizer { get; init; } = "rmsprop";
    /// <summary>Null: Keras's default for the optimizer.</summary>
    public float? LearningRate { get; init; }
    /// <summary>
    /// Seeds the initial weights (seed, the same for every fold, so folds differ by their data only),
    /// the shuffles and dropout (seed + 1), and the assignment of samples to folds (seed + 2).
    /// </summary>
    public ulong Seed { get; init; } = 1;

    public int EffectiveEpochs => Epochs ?? KeptEpochs(Model);

    /// <summary>The tutorial's kept epochs for <paramref name="model"/>, chosen from its validation curves.</summary>
    public static int KeptEpochs(NotebookModel model)
    {
        var tutorial = new TutorialOptions();
        return model switch
        {
            NotebookModel.Dense => tutorial.Dense.Keep,
            NotebookModel.Cnn => tutorial.Cnn.Keep,
            _ => tutorial.CnnDropout.Keep,
        };
    }

    /// <summary>Folds: at least 2 (one validates, the others train); the smallest class's sample count limits them further.</summary>
    public static readonly Common.ValueRange FoldsRange = new(2, 10_000, Note: "at least 2: one fold validates, the others train");

    /// <summary>The training recipe of every fold.</summary>
    public TrainingOptions Training => new()
    {
        Model = Model, Epochs = EffectiveEpochs, BatchSize = BatchSize, Optimizer = Optimizer, LearningRate = LearningRate, Seed = Seed,
    };

    /// <summary>Throws an ArgumentException naming the option when a value is out of range (the upper limit of --folds depends on the data and is checked by <see cref="CrossValidation.Split"/>).</summary>
    public void Validate()
    {
        FoldsRange.Check("--folds", Folds);
        Training.Validate();
    }
}
