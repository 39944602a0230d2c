namespace Tailor.Models.Training;

/// <summary>Forwards a Fit's batches and epochs to an <see cref="IProgress{T}"/>, the .NET way to hear of progress.</summary>
internal sealed class ProgressReporter(IProgress<TrainingProgress> progress) : Callback
{
    private TrainingInfo? _info;
    private double _lossSum;
    private int _batches;

    public override void OnTrainBegin(TrainingInfo info) => _info = info;

    public override void OnEpochBegin(int epoch) => (_lossSum, _batches) = (0, 0);

    public override void OnBatchEnd(int epoch, int batch, double loss)
    {
        _lossSum += loss;
        _batches++;
        progress.Report(new TrainingProgress(epoch, _info!.Epochs, batch, _info.StepsPerEpoch, _lossSum / _batches, null));
    }

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) =>
        progress.Report(new TrainingProgress(epoch, _info!.Epochs, _info.StepsPerEpoch - 1, _info.StepsPerEpoch, logs["loss"], logs));
}
