using System.Diagnostics;
using Tailor.Data;
using Tailor.Losses;
using Tailor.Models;
using Tailor.Models.Training;
using Tailor.Optimizers;
using Tailor.Studies;

namespace Tailor.Benchmarks;

/// <summary>
/// Where one rank's training step goes, averaged over the measured steps: its shards' forward and backward
/// (with the batch's gathering), the wait for the slowest rank, the all-gather of the shards' records, adding
/// them in shard order, and the optimizer's update.
/// </summary>
/// <param name="MedianExchangeSeconds">The typical exchange, which a slice of time lost to another process on a shared
/// machine does not move as it moves the mean.</param>
internal sealed record DistributedStep(int Rank, int Steps, double ComputeSeconds, double WaitSeconds, double ExchangeSeconds,
    double CombineSeconds, double UpdateSeconds, double MedianExchangeSeconds)
{
    public const int Length = 7;

    public double StepSeconds => ComputeSeconds + WaitSeconds + ExchangeSeconds + CombineSeconds + UpdateSeconds;

    public double[] ToArray() => [Steps, ComputeSeconds, WaitSeconds, ExchangeSeconds, CombineSeconds, UpdateSeconds, MedianExchangeSeconds];

    public static DistributedStep FromArray(int rank, ReadOnlySpan<double> values) =>
        new(rank, (int)values[0], values[1], values[2], values[3], values[4], values[5], values[6]);
}

/// <summary>
/// `tailor bench --distributed`: data-parallel training of a notebook model on this process's share of the
/// shards (all of them alone, or under mpiexec), timed by phase, and the all-gather of this job measured at
/// message sizes other than the training's, to fit the alpha-beta model that projects the step to more machines.
/// </summary>
internal static class DistributedBenchmark
{
    /// <summary>
    /// The calibration's block sizes as multiples of the training's block: around it, in the same protocol of the
    /// MPI (a library switches protocols with the size, so one line does not fit 8 bytes and 4 MiB), never at it.
    /// </summary>
    public static readonly double[] CalibrationMultiples = [0.125, 0.25, 0.5, 2, 4];

    /// <summary>
    /// Trains <paramref name="kind"/> on the sample's training images for a warm-up epoch, then
    /// <paramref name="epochs"/> timed ones, with <paramref name="shards"/> shards over <paramref name="transport"/>
    /// (the whole batch at once, on the process's threads, when <paramref name="shards"/> is null). Returns this
    /// rank's phases, the bytes of its block in each exchange, and (on two ranks or more) the calibration: the
    /// median seconds of all-gathers of blocks of <see cref="CalibrationMultiples"/> times the training's, each
    /// done in a step of one more epoch just before the step's own exchange, so in the same state of caches and
    /// clocks as the training's exchanges (an all-gather in a loop of its own runs some 30% faster).
    /// </summary>
    public static (DistributedStep Step, long BlockBytes, List<(double BlockBytes, double Seconds)>? Calibration) Measure(
        FashionSample sample, NotebookModel kind, int? shards, ShardTransport? transport, Action? barrier, int epochs)
    {
        var model = NotebookModels.Create(kind, seed: 1);
        model.Compile(new RmsProp(), new CategoricalCrossentropy(), "accuracy");
        var data = new TensorBatchSource(TrainingRun.Inputs(sample.Train, kind), sample.Train.OneHot);
        var timed = transport == null ? null : new TimedTransport(transport, barrier);
        // Shards of this process run on its threads, each on a replica, as `tailor train --shards` runs them.
        GradientStep step = shards is int s ? new ShardedGradient(s, timed, () => NotebookModels.Create(kind, seed: 1)) : new WholeBatchGradient();
        var clock = new PhaseClock(timed);
        var options = new FitOptions { Epochs = 1, BatchSize = kind.DefaultBatchSize(), Verbose = 0, Seed = 2, Callbacks = [clock] };
        new Trainer(model) { GradientStep = step }.Fit(data, options);
        clock.Reset();
        new Trainer(model) { GradientStep = step }.Fit(data, options with { Epochs = epochs });
        var result = clock.Result(transport?.Rank ?? 0);
        long blockBytes = (timed?.BlockDoubles ?? 0) * sizeof(double);
        if (timed is not { Size: > 1 }) return (result, blockBytes, null);

        timed.StartCalibration();
        new Trainer(model) { GradientStep = step }.Fit(data, options with { Callbacks = [] });
        return (result, blockBytes, timed.Calibration());
    }

    /// <summary>
    /// Times each all-gather, after a barrier that takes the wait for the slowest rank out of it; when calibrating,
    /// first an all-gather of one of the calibration's sizes in turn.
    /// </summary>
    private sealed class TimedTransport(ShardTransport inner, Action? barrier) : ShardTransport
    {
        private (double[] Mine, double[] All, List<double> Seconds)[]? _calibration;
        private int _calls;

        public override int Rank => inner.Rank;
        public override int Size => inner.Size;
        public long WaitStart { get; private set; }
        public long WaitEnd { get; private set; }
        public long End { get; private set; }
        public int BlockDoubles { get; private set; }

        public void StartCalibration()
        {
            _calibration = [.. CalibrationMultiples.Select(multiple =>
            {
                // Real values: a block of zeros that was never written reads the kernel's one zero page, from cache.
                var mine = new double[Math.Max(1, (int)(multiple * BlockDoubles))];
                for (int i = 0; i < mine.Length; i++) mine[i] = i * 1e-3;
                return (mine, new double[mine.Length * Size], new List<double>());
            })];
            _calls = 0;
        }

        public List<(double BlockBytes, double Seconds)> Calibration() =>
            [.. _calibration!.Select(c => (c.Mine.Length * (double)sizeof(double), EpochBenchmark.Median(c.Seconds)))];

        public override void AllGather(ReadOnlySpan<double> mine, Span<double> all)
        {
            WaitStart = Stopwatch.GetTimestamp();
            barrier?.Invoke();
            WaitEnd = Stopwatch.GetTimestamp();
            if (_calibration != null)
            {
                // Every rank counts the same calls, so all of them take the same size at the same step.
                var (calibrationMine, calibrationAll, seconds) = _calibration[_calls++ % _calibration.Length];
                inner.AllGather(calibrationMine, calibrationAll);
                seconds.Add(Stopwatch.GetElapsedTime(WaitEnd).TotalSeconds);
                barrier?.Invoke();
            }
            inner.AllGather(mine, all);
            End = Stopwatch.GetTimestamp();
            BlockDoubles = mine.Length;
        }
    }

    /// <summary>Splits each step at the exchange's timestamps and at the callbacks before and after the update.</summary>
    private sealed class PhaseClock(TimedTransport? timed) : Callback
    {
        private readonly List<double> _exchanges = new(4096);
        private long _last, _gradients, _compute, _wait, _exchange, _combine, _update;
        private int _steps;

        public void Reset()
        {
            (_compute, _wait, _exchange, _combine, _update, _steps) = (0, 0, 0, 0, 0, 0);
            _exchanges.Clear();
        }

        public override void OnEpochBegin(int epoch) => _last = Stopwatch.GetTimestamp();

        public override void OnBatchGradients(int epoch, int batch) => _gradients = Stopwatch.GetTimestamp();

        public override void OnBatchEnd(int epoch, int batch, double loss)
        {
            long now = Stopwatch.GetTimestamp();
            if (timed == null) _compute += _gradients - _last;
            else
            {
                _compute += timed.WaitStart - _last;
                _wait += timed.WaitEnd - timed.WaitStart;
                _exchange += timed.End - timed.WaitEnd;
                _exchanges.Add((double)(timed.End - timed.WaitEnd) / Stopwatch.Frequency);
                _combine += _gradients - timed.End;
            }
            _update += now - _gradients;
            _steps++;
            _last = now;
        }

        public DistributedStep Result(int rank)
        {
            double PerStep(long ticks) => (double)ticks / Stopwatch.Frequency / _steps;
            double median = _exchanges.Count == 0 ? 0 : EpochBenchmark.Median(_exchanges);
            return new DistributedStep(rank, _steps, PerStep(_compute), PerStep(_wait), PerStep(_exchange), PerStep(_combine), PerStep(_update), median);
        }
    }
}
