namespace Tailor.Models;

/// <summary>
/// Hooks that a <see cref="Training.Trainer"/> (so <c>Sequential.Fit</c>) calls at training, epoch and batch boundaries, as Keras's
/// callbacks. Epochs are 0-based here, as in Keras's callback API. Set <see cref="Models.Model.StopTraining"/> to stop.
/// </summary>
public abstract class Callback
{
    /// <summary>The model being trained, set before <see cref="OnTrainBegin"/>.</summary>
    public Model? Model { get; internal set; }

    /// <summary>The trainer running the loop, set before <see cref="OnTrainBegin"/>: its state makes a checkpoint.</summary>
    public Training.Trainer? Trainer { get; internal set; }

    public virtual void OnTrainBegin(TrainingInfo info) { }
    public virtual void OnEpochBegin(int epoch) { }
    /// <summary>After a batch's gradients are computed, before the optimizer clips and applies them.</summary>
    public virtual void OnBatchGradients(int epoch, int batch) { }
    public virtual void OnBatchEnd(int epoch, int batch, double loss) { }
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) { }
    public virtual void OnTrainEnd(History history) { }
}

/// <summary>What a training run is about to do.</summary>
public sealed record TrainingInfo(int Epochs, int InitialEpoch, int StepsPerEpoch, int Samples, int ValidationSamples, int BatchSize);
