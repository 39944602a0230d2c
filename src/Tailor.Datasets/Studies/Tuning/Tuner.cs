using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tailor.Callbacks;
using Tailor.Common;
using Tailor.Data;
using Tailor.Distribution;
using Tailor.Losses;
using Tailor.Models;

namespace Tailor.Studies.Tuning;

/// <summary>
/// Hyperparameter search: trains each planned configuration on the same training images for the same
/// epochs, scores it by its best validation accuracy, and ranks the trials. In one process, trials run
/// one after another, since each already uses every core; across processes (machines), a
/// <see cref="UnitScheduler"/> hands them out.
/// </summary>
public static class Tuner
{
    /// <summary>
    /// Runs the trials <see cref="SearchStrategies.Plan"/> picks, and the notebook's CNN with dropout as
    /// a baseline when asked. <paramref name="onTrial"/> hears of each trial as it ends (the baseline as number 0).
    /// With <paramref name="progress"/> (see <see cref="Progress"/>), each finished trial is saved there and a
    /// trial already saved is loaded instead of trained. When <paramref name="cancellationToken"/> is cancelled,
    /// the trial in progress stops after its current batch and is dropped, and an
    /// <see cref="OperationInterruptedException"/> says how many trials were finished and kept.
    /// </summary>
    public static TuningResult Search(SearchSpace space, TuningOptions options, LabeledTensors train, LabeledTensors validation,
        Action<TrialResult, int>? onTrial = null, StudyProgress? progress = null, CancellationToken cancellationToken = default) =>
        Search(space, options, train, validation, UnitScheduler.InProcess, onTrial, progress, cancellationToken)!;

    /// <summary>
    /// As the other Search, with the trials computed by the workers of <paramref name="scheduler"/> (the ranks
    /// of an MPI job: <see cref="Distribution.Mpi.MpiUnitScheduler"/>), each as one becomes free. Every trial's
    /// weights, shuffles and dropout come from the options alone, whoever computes it, so the result is the
    /// one-process result. The coordinator alone uses <paramref name="progress"/>, hears
    /// <paramref name="onTrial"/> (as trials arrive, in any order) and returns the result; every other worker
    /// returns null.
    /// </summary>
    public static TuningResult? Search(SearchSpace space, TuningOptions options, LabeledTensors train, LabeledTensors validation,
        UnitScheduler scheduler, Action<TrialResult, int>? onTrial = null, StudyProgress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        var plan = SearchStrategies.Plan(space, options.Strategy, options.Trials, options.Seed);
        // Unit u is the baseline (trial 0) when there is one, then the planned trials in order.
        int first = options.Baseline ? 0 : 1, total = plan.Count + (options.Baseline ? 1 : 0);
        var results = new TrialResult?[total];
        ConvNetConfig ConfigOf(int number) => number == 0 ? ConvNetConfig.NotebookCnnWithDropout : plan[number - 1];
        string NameOf(int number) => number == 0 ? "baseline" : $"trial-{number:D3}";
        void Finish(int unit, TrialResult trial)
        {
            results[unit] = trial;
            onTrial?.Invoke(trial, plan.Count);
        }

        var pending = new List<int>(total);
        for (int unit = 0; unit < total && scheduler.IsCoordinator; unit++)
        {
            int number = first + unit;
            if (progress != null && progress.TryLoad(NameOf(number), e => ReadTrial(e, number, ConfigOf(number)), out var kept)) Finish(unit, kept);
            else pending.Add(unit);
        }
        // Several workers end sooner when the costliest trials go first; every trial's result is its own whatever
        // the order, and one worker keeps the plan's order.
        if (scheduler.Workers > 1) pending = CostliestFirst(pending, unit => ConfigOf(first + unit));
        bool complete = scheduler.Run(pending, unit =>
        {
            if (cancellationToken.IsCancellationRequested) return null;
            // Every trial's weights, shuffles and dropout come from options.Seed alone, whatever ran before it,
            // so a trial loaded from an interrupted run, or computed by another process, is the one this run would
            // have trained. A trial stopped part-way is dropped: only whole trials are kept.
            int number = first + unit;
            var trial = Train(number, ConfigOf(number), options.Epochs, options.Seed, train, validation, cancellationToken);
            return trial == null ? null : StudyProgress.Record(TrialPayload(trial));
        }, (unit, record) =>
        {
            // Every trial, computed here or elsewhere, is read back from its record: the same numbers either way.
            int number = first + unit;
            using var document = JsonDocument.Parse(record);
            var trial = ReadTrial(document.RootElement, number, ConfigOf(number));
            progress?.Save(NameOf(number), document.RootElement);
            Finish(unit, trial);
        });
        if (!scheduler.IsCoordinator) return null;
        if (!complete) throw Interrupted(results.Count(r => r != null), total, options.Baseline, progress, cancellationToken);
        return new TuningResult(options, space, [.. results.Skip(options.Baseline ? 1 : 0).Select(r => r!)], options.Baseline ? results[0] : null);
    }

    /// <summary>
    /// <paramref name="units"/> ordered by the training FLOPs per image of their configurations, the largest first
    /// (ties in the given order): trials of the same epochs on the same images cost in proportion.
    /// </summary>
    internal static List<int> CostliestFirst(IReadOnlyList<int> units, Func<int, ConvNetConfig> configOf) =>
        [.. units.Select(u => (Unit: u, Flops: Benchmarks.FlopCounter.TrainingPerSample(configOf(u).Build(0))))
            .OrderByDescending(u => u.Flops).Select(u => u.Unit)];

    /// <summary>
    /// The progress of a search in <paramref name="directory"/>, keyed by everything its trials depend on:
    /// the options, the space and the images (a fingerprint). Throws an ArgumentException naming what
    /// differs when the folder holds trials of another search.
    /// </summary>
    public static StudyProgress Progress(string directory, SearchSpace space, TuningOptions options, LabeledTensors train, LabeledTensors validation)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(options);
        var inv = CultureInfo.InvariantCulture;
        return StudyProgress.Open(directory, "trials",
        [
            new("--strategy", options.Strategy.ToString().ToLowerInvariant()),
            new("--trials", options.Trials?.ToString(inv) ?? "default"),
            new("--epochs", options.Epochs.ToString(inv)),
            new("--seed", options.Seed.ToString(inv)),
            new("--no-baseline", options.Baseline ? "no" : "yes"),
            new("--space", JsonSerializer.Serialize(space.Domains.Select(d => $"{d.Parameter.Key}: {d.Domain.Describe()}"))),
            new("images (--data, --sample-seed)", StudyProgress.Fingerprint(train, validation)),
        ]);
    }

    private static OperationInterruptedException Interrupted(int done, int total, bool baseline, StudyProgress? progress, CancellationToken token)
    {
        string finished = $"{done} of {total} trials{(baseline ? " (the baseline included)" : "")}";
        return new(progress == null
            ? $"Interrupted after {finished}; no progress folder was given, so none was kept."
            : $"Interrupted after {finished}; the finished ones are kept in {progress.Directory}. Run the same command again to resume from them.",
            token);
    }

    private static Dictionary<string, object?> TrialPayload(TrialResult trial) => new()
    {
        ["trial"] = trial.Number,
        ["config"] = ConfigPayload(trial.Config),
        ["parameters"] = trial.Parameters,
        ["seconds"] = trial.Seconds,
        ["failure"] = trial.Failure,
        ["history"] = trial.History is null ? null : StudyProgress.HistoryPayload(trial.History),
    };

    private static Dictionary<string, object> ConfigPayload(ConvNetConfig config) => config.ToKeyValues().ToDictionary(p => p.Key, p => p.Value);

    private static TrialResult ReadTrial(JsonElement root, int number, ConvNetConfig config)
    {
        if (root.GetProperty("trial").GetInt32() != number) throw new FormatException($"it holds trial {root.GetProperty("trial").GetInt32()}, not {number}");
        // The same plan gives the same configurations; a file from another version's plan must not stand in for this one's trial.
        if (JsonSerializer.Serialize(root.GetProperty("config")) != JsonSerializer.Serialize(ConfigPayload(config)))
            throw new FormatException($"its configuration is not trial {number}'s, {config.Describe()}");
        var history = root.GetProperty("history");
        return new TrialResult(number, config, root.GetProperty("parameters").GetInt64(),
            history.ValueKind == JsonValueKind.Null ? null : StudyProgress.ReadHistory(history),
            StudyProgress.ReadDouble(root.GetProperty("seconds")), root.GetProperty("failure").GetString());
    }

    /// <summary>Trains <paramref name="config"/> with validation at each epoch; a diverging loss ends the trial with its reason instead of the search.</summary>
    public static TrialResult Train(int number, ConvNetConfig config, int epochs, ulong seed, LabeledTensors train, LabeledTensors validation) =>
        Train(number, config, epochs, seed, train, validation, CancellationToken.None)!;

    /// <summary>As the public Train; null when <paramref name="cancellationToken"/> stopped the training part-way.</summary>
    private static TrialResult? Train(int number, ConvNetConfig config, int epochs, ulong seed, LabeledTensors train, LabeledTensors validation,
        CancellationToken cancellationToken)
    {
        var (model, history, seconds, failure) = Fit(config, epochs, seed, train, validation, [], cancellationToken);
        return model.Interruption != null ? null : new TrialResult(number, config, model.ParameterCount, history, seconds, failure);
    }

    /// <summary>
    /// The best configuration trained afresh on a larger set and scored on the test images. When
    /// <paramref name="cancellationToken"/> is cancelled, training stops after its current batch and an
    /// <see cref="OperationInterruptedException"/> says so.
    /// </summary>
    public static FinalRun TrainFinal(ConvNetConfig config, int epochs, ulong seed, LabeledTensors train, LabeledTensors validation, LabeledTensors test,
        IReadOnlyList<Callback>? callbacks = null, CancellationToken cancellationToken = default)
    {
        var interrupted = new OperationInterruptedException("Interrupted during the final training of the best configuration; it was not kept.", cancellationToken);
        if (cancellationToken.IsCancellationRequested) throw interrupted;
        var (model, history, seconds, failure) = Fit(config, epochs, seed, train, validation, callbacks ?? [], cancellationToken);
        if (model.Interruption != null) throw interrupted;
        if (failure is not null) throw new TrainingDivergedException($"The final training of {config.Describe()} failed: {failure}");
        var score = model.Evaluate(test.Images, test.OneHot, batchSize: 256);
        return new FinalRun(config, train.Count, validation.Count, test.Count, history!, score, seconds);
    }

    private static (Sequential Model, History? History, double Seconds, string? Failure) Fit(
        ConvNetConfig config, int epochs, ulong seed, LabeledTensors train, LabeledTensors validation,
        IReadOnlyList<Callback> callbacks, CancellationToken cancellationToken)
    {
        var model = config.Build(seed);
        model.Compile(config.CreateOptimizer(), new CategoricalCrossentropy(), "accuracy");
        var clock = Stopwatch.StartNew();
        try
        {
            var history = model.Fit(train.Images, train.OneHot, epochs, config.BatchSize,
                validationData: (validation.Images, validation.OneHot), seed: seed + 1, verbose: 0,
                callbacks: [.. callbacks, new InterruptOnCancellation(cancellationToken)]);
            return (model, history, clock.Elapsed.TotalSeconds, null);
        }
        catch (TrainingDivergedException e)
        {
            return (model, null, clock.Elapsed.TotalSeconds, e.Message);
        }
    }
}

/// <summary>The best configuration trained on the full training set: its curves and its test score.</summary>
public sealed record FinalRun(ConvNetConfig Config, int TrainCount, int ValidationCount, int TestCount, History History, Evaluation Test, double Seconds);
