using Tailor.Models;

namespace Tailor.Studies.Tuning;

/// <summary>
/// One trained configuration: its best validation accuracy and the epoch that reached it, the last
/// epoch's values, the parameter count and the seconds of training. <see cref="Failure"/> says why a
/// trial has no scores (its loss diverged).
/// </summary>
public sealed record TrialResult(int Number, ConvNetConfig Config, long Parameters, History? History, double Seconds, string? Failure = null)
{
    public double BestValidationAccuracy => Best.Accuracy;

    public int BestEpoch => Best.Epoch;

    public double FinalValidationAccuracy => History is null ? double.NaN : History["val_accuracy"][^1];

    public double FinalValidationLoss => History is null ? double.NaN : History["val_loss"][^1];

    private (double Accuracy, int Epoch) Best
    {
        get
        {
            if (History is null) return (double.NaN, 0);
            var values = History["val_accuracy"];
            int best = 0;
            for (int i = 1; i < values.Count; i++) if (values[i] > values[best]) best = i;
            return (values[best], History.Epochs[best]);
        }
    }
}
