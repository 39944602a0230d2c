using Tailor.Models;

namespace Tailor.Callbacks;

/// <summary>
/// Keras's TerminateOnNaN: stops training at the first batch whose loss is NaN or infinite, instead
/// of Fit's default of throwing <see cref="TrainingDivergedException"/>. The bad batch's update is not applied.
/// </summary>
public sealed class TerminateOnNaN : Callback
{
    /// <summary>Where the loss went bad (epoch and batch, 1-based), or null.</summary>
    public (int Epoch, int Batch)? TerminatedAt { get; private set; }

    public override void OnTrainBegin(TrainingInfo info) => TerminatedAt = null;

    public override void OnBatchEnd(int epoch, int batch, double loss)
    {
        if (double.IsFinite(loss)) return;
        TerminatedAt = (epoch + 1, batch + 1);
        Model!.StopTraining = true;
    }
}
