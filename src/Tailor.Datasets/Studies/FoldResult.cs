using Tailor.Models;

namespace Tailor.Studies;

/// <summary>One fold of a cross-validation: how many samples trained and validated, the training history, the test score if asked, and the seconds of training.</summary>
public sealed record FoldResult(int Fold, int TrainCount, int ValidationCount, History History, Evaluation? Test, double Seconds)
{
    /// <summary>The held-out fold's accuracy after the last epoch: the fold's score.</summary>
    public double ValidationAccuracy => History["val_accuracy"][^1];

    public double ValidationLoss => History["val_loss"][^1];

    /// <summary>The best held-out accuracy over the epochs and its 1-based epoch (the first, on ties).</summary>
    public (double Accuracy, int Epoch) BestValidation
    {
        get
        {
            var values = History["val_accuracy"];
            int best = 0;
            for (int i = 1; i < values.Count; i++) if (values[i] > values[best]) best = i;
            return (values[best], History.Epochs[best]);
        }
    }
}
