using System.Diagnostics;
using System.Globalization;

namespace Tailor.Models;

/// <summary>
/// Keras-style progress: "Epoch 3/10", then "125/125 [====] 1s 8ms/step - loss: ... - val_accuracy: ...".
/// Redraws the line in place on a terminal; writes one line per epoch otherwise.
/// </summary>
public sealed class ProgressLogger(TextWriter writer, bool interactive) : Callback
{
    private readonly Stopwatch _clock = new();
    private TrainingInfo? _info;
    private double _lossSum;
    private int _lastDrawn = -1;
    private long _lastDrawTicks;

    public ProgressLogger() : this(Console.Out, !Console.IsOutputRedirected) { }

    public override void OnTrainBegin(TrainingInfo info) => _info = info;

    public override void OnEpochBegin(int epoch)
    {
        writer.WriteLine($"Epoch {epoch + 1}/{_info!.Epochs}");
        _lossSum = 0;
        _lastDrawn = -1;
        _clock.Restart();
    }

    public override void OnBatchEnd(int epoch, int batch, double loss)
    {
        _lossSum += loss;
        if (!interactive) return;
        long now = Stopwatch.GetTimestamp();
        if (batch + 1 < _info!.StepsPerEpoch && now - _lastDrawTicks < Stopwatch.Frequency / 10) return;
        _lastDrawTicks = now;
        _lastDrawn = batch;
        writer.Write($"\r{Bar(batch + 1)} - loss: {Format(_lossSum / (batch + 1))}");
    }

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        _clock.Stop();
        int steps = _info!.StepsPerEpoch;
        double seconds = _clock.Elapsed.TotalSeconds;
        var metrics = string.Join(" - ", logs.Select(p => $"{p.Key}: {Format(p.Value)}"));
        writer.WriteLine($"{(interactive ? "\r" : "")}{Bar(steps)} {seconds:F0}s {seconds * 1000 / steps:F0}ms/step - {metrics}");
    }

    private string Bar(int done)
    {
        int steps = _info!.StepsPerEpoch, width = 30;
        int filled = (int)((long)done * width / steps);
        string bar = new string('=', Math.Max(0, filled - 1)) + (filled < width ? ">" : "=") + new string('.', width - filled);
        string count = done.ToString().PadLeft(steps.ToString().Length);
        return $"{count}/{steps} [{bar}]";
    }

    private static string Format(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
}
