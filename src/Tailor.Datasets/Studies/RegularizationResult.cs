using Tailor.Models;

namespace Tailor.Studies;

/// <summary>One variant's run in the regularization study, read at the epoch whose weights the model ends with.</summary>
public sealed record RegularizationResult(RegularizationVariant Variant, string Setting, History History, Evaluation Test,
    int KeptEpoch, int? StoppedEpoch, double KernelNorm, double Penalty, double Seconds)
{
    public int EpochsRun => History.Epochs.Count;

    /// <summary>The training loss of the kept epoch, as Fit reports it: the mean over its batches, penalty included.</summary>
    public double TrainLoss => History["loss"][KeptEpoch - 1];

    public double ValidationLoss => History["val_loss"][KeptEpoch - 1];

    /// <summary>Validation minus training loss: how much better the network does on images it trained on.</summary>
    public double Gap => ValidationLoss - TrainLoss;

    public double TestLoss => Test.Loss;

    public double TestAccuracy => Test.Accuracy;
}
