using System.Runtime.CompilerServices;
using Tailor.Models;

namespace Tailor.Callbacks;

/// <summary>
/// Keras's EarlyStopping: stops training once the monitored quantity has not improved by more than
/// minDelta for <c>patience</c> epochs. With restoreBestWeights the model ends with the weights of
/// its best epoch (as Keras 3 does, also when training ran to the last epoch). A baseline must be
/// beaten before the patience counter resets; epochs before startFromEpoch are not watched.
/// </summary>
public sealed class EarlyStopping : Callback
{
    private readonly MonitoredQuantity _monitor;
    private float[][]? _bestWeights;
    private int _wait;

    public EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, MonitorMode mode = MonitorMode.Auto,
        double? baseline = null, bool restoreBestWeights = false, int startFromEpoch = 0)
    {
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), $"EarlyStopping: `patience` must be a non-negative integer, received {patience}.");
        if (startFromEpoch < 0) throw new ArgumentOutOfRangeException(nameof(startFromEpoch), $"EarlyStopping: `start_from_epoch` must be a non-negative integer, received {startFromEpoch}.");
        _monitor = new MonitoredQuantity(monitor, mode, minDelta, nameof(EarlyStopping));
        Patience = patience;
        Baseline = baseline;
        RestoreBestWeights = restoreBestWeights;
        StartFromEpoch = startFromEpoch;
    }

    public string MonitorName => _monitor.Name;
    public MonitorMode Mode => _monitor.Mode;
    public double MinDelta => _monitor.MinDelta;
    public int Patience { get; }
    public double? Baseline { get; }
    public bool RestoreBestWeights { get; }
    public int StartFromEpoch { get; }

    /// <summary>The epoch (1-based) after which training was stopped, or 0 when it ran to the end.</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>The epoch (1-based) with the best monitored value, or 0 before any was seen.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The best monitored value, or null before any was seen.</summary>
    public double? BestValue { get; private set; }

    /// <summary>Whether the model's weights were put back to those of <see cref="BestEpoch"/> at the end.</summary>
    public bool RestoredBestWeights { get; private set; }

    public override void OnTrainBegin(TrainingInfo info)
    {
        _wait = 0;
        StoppedEpoch = 0;
        BestEpoch = 0;
        BestValue = null;
        RestoredBestWeights = false;
        _bestWeights = null;
    }

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        double current = _monitor.Read(logs);
        if (epoch < StartFromEpoch) return;
        if (RestoreBestWeights && _bestWeights == null)
        {
            KeepWeights();
            BestEpoch = epoch + 1;
        }
        _wait++;
        if (BestValue is not double best || _monitor.Improves(current, best))
        {
            BestValue = current;
            BestEpoch = epoch + 1;
            if (RestoreBestWeights) KeepWeights();
            // The counter restarts only when the value beats the baseline as well as the best so far.
            if (Baseline is not double baseline || _monitor.Improves(current, baseline)) _wait = 0;
            return;
        }
        if (_wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch + 1;
            Model!.StopTraining = true;
        }
    }

    public override void OnTrainEnd(History history)
    {
        if (RestoreBestWeights && _bestWeights != null)
        {
            Model!.SetWeights(_bestWeights);
            RestoredBestWeights = true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void KeepWeights()
    {
        if (_bestWeights == null) _bestWeights = Model!.GetWeights();
        else for (int i = 0; i < _bestWeights.Length; i++) Model!.Parameters[i].Value.Span.CopyTo(_bestWeights[i]);
    }

    /// <summary>One line for people: where it stopped and which weights the model holds.</summary>
    public string Describe(int epochsRun)
    {
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        string stop = StoppedEpoch > 0
            ? $"{MonitorName} did not improve for {Patience} epoch{(Patience == 1 ? "" : "s")}, stopped after epoch {StoppedEpoch}"
            : $"not triggered, all {epochsRun} epochs ran";
        string kept = RestoredBestWeights
            ? string.Create(culture, $"kept the weights of epoch {BestEpoch}, the best ({MonitorName} {BestValue:0.0000})")
            : $"kept the weights of the last epoch, {(StoppedEpoch > 0 ? StoppedEpoch : epochsRun)}";
        return $"Early stopping: {stop}; {kept}.";
    }
}
