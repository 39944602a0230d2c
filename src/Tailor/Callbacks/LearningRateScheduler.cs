using Tailor.Models;

namespace Tailor.Callbacks;

/// <summary>
/// Keras's LearningRateScheduler: at the start of each epoch sets the learning rate to
/// schedule(epoch, current rate), epochs 0-based. For per-step schedules use <see cref="Optimizers.Optimizer.Schedule"/>.
/// </summary>
public sealed class LearningRateScheduler(Func<int, float, float> schedule) : Callback
{
    private readonly Func<int, float, float> _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));

    public override void OnEpochBegin(int epoch)
    {
        var optimizer = Model!.Optimizer!;
        if (optimizer.Schedule != null)
            throw new InvalidOperationException($"LearningRateScheduler cannot set the learning rate of {optimizer.Name}: it follows a {optimizer.Schedule.Name} schedule.");
        float rate = _schedule(epoch, optimizer.LearningRate);
        if (!(rate > 0) || float.IsInfinity(rate))
            throw new ArgumentException($"LearningRateScheduler returned {rate} for epoch {epoch + 1}; a learning rate must be a positive number.");
        optimizer.LearningRate = rate;
    }
}
