using Tailor.Models;

namespace Tailor.Callbacks;

/// <summary>
/// Keras's ReduceLROnPlateau: when the monitored quantity has not improved by more than minDelta for
/// <c>patience</c> epochs, multiplies the learning rate by <c>factor</c> (not below minLearningRate),
/// then waits <c>cooldown</c> epochs before counting again.
/// </summary>
public sealed class ReduceLROnPlateau : Callback
{
    private readonly MonitoredQuantity _monitor;
    private double _best;
    private int _wait, _cooldownCounter;

    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, MonitorMode mode = MonitorMode.Auto,
        double minDelta = 1e-4, int cooldown = 0, double minLearningRate = 0)
    {
        if (!(factor > 0 && factor < 1))
            throw new ArgumentOutOfRangeException(nameof(factor), $"ReduceLROnPlateau: `factor` must be in (0, 1), received {factor}.");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), $"ReduceLROnPlateau: `patience` must be a non-negative integer, received {patience}.");
        if (cooldown < 0) throw new ArgumentOutOfRangeException(nameof(cooldown), $"ReduceLROnPlateau: `cooldown` must be a non-negative integer, received {cooldown}.");
        if (!(minLearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(minLearningRate), $"ReduceLROnPlateau: `min_lr` must be a non-negative number, received {minLearningRate}.");
        _monitor = new MonitoredQuantity(monitor, mode, minDelta, nameof(ReduceLROnPlateau));
        Factor = factor;
        Patience = patience;
        Cooldown = cooldown;
        MinLearningRate = minLearningRate;
    }

    public string MonitorName => _monitor.Name;
    public double Factor { get; }
    public int Patience { get; }
    public int Cooldown { get; }
    public double MinLearningRate { get; }

    /// <summary>Each reduction: the epoch (1-based) at whose end it happened and the new rate.</summary>
    public List<(int Epoch, float LearningRate)> Reductions { get; } = [];

    public override void OnTrainBegin(TrainingInfo info)
    {
        if (Model!.Optimizer!.Schedule != null)
            throw new InvalidOperationException($"ReduceLROnPlateau cannot change the learning rate of {Model.Optimizer.Name}: it follows a {Model.Optimizer.Schedule.Name} schedule.");
        _best = _monitor.Worst;
        _wait = 0;
        _cooldownCounter = 0;
        Reductions.Clear();
    }

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        double current = _monitor.Read(logs);
        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            _wait = 0;
        }
        if (_monitor.Improves(current, _best))
        {
            _best = current;
            _wait = 0;
        }
        else if (_cooldownCounter == 0 && ++_wait >= Patience)
        {
            var optimizer = Model!.Optimizer!;
            float old = optimizer.LearningRate;
            if (old > (float)MinLearningRate)
            {
                optimizer.LearningRate = (float)Math.Max(old * Factor, MinLearningRate);
                Reductions.Add((epoch + 1, optimizer.LearningRate));
                _cooldownCounter = Cooldown;
                _wait = 0;
            }
        }
    }
}
