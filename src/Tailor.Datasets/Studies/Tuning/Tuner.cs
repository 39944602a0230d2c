using System.Diagnostics;
using Tailor.Data;
using Tailor.Losses;
using Tailor.Models;

namespace Tailor.Studies.Tuning;

/// <summary>
/// Hyperparameter search: trains each planned configuration on the same training images for the same
/// epochs, scores it by its best validation accuracy, and ranks the trials. Trials run one after
/// another, since each already uses every core.
/// </summary>
public static class Tuner
{
    /// <summary>
    /// Runs the trials <see cref="SearchStrategies.Plan"/> picks, and the notebook's CNN with dropout as
    /// a baseline when asked. <paramref name="onTrial"/> hears of each trial as it ends (the baseline as number 0).
    /// </summary>
    public static TuningResult Search(SearchSpace space, TuningOptions options, LabeledTensors train, LabeledTensors validation,
        Action<TrialResult, int>? onTrial = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var plan = SearchStrategies.Plan(space, options.Strategy, options.Trials, options.Seed);
        TrialResult? baseline = null;
        if (options.Baseline)
        {
            baseline = Train(0, ConvNetConfig.NotebookCnnWithDropout, options.Epochs, options.Seed, train, validation);
            onTrial?.Invoke(baseline, plan.Count);
        }
        var trials = new List<TrialResult>(plan.Count);
        for (int i = 0; i < plan.Count; i++)
        {
            var trial = Train(i + 1, plan[i], options.Epochs, options.Seed, train, validation);
            trials.Add(trial);
            onTrial?.Invoke(trial, plan.Count);
        }
        return new TuningResult(options, space, trials, baseline);
    }

    /// <summary>Trains <paramref name="config"/> with validation at each epoch; a diverging loss ends the trial with its reason instead of the search.</summary>
    public static TrialResult Train(int number, ConvNetConfig config, int epochs, ulong seed, LabeledTensors train, LabeledTensors validation)
    {
        var (model, history, seconds, failure) = Fit(config, epochs, seed, train, validation);
        return new TrialResult(number, config, model.ParameterCount, history, seconds, failure);
    }

    /// <summary>The best configuration trained afresh on a larger set and scored on the test images.</summary>
    public static FinalRun TrainFinal(ConvNetConfig config, int epochs, ulong seed, LabeledTensors train, LabeledTensors validation, LabeledTensors test)
    {
        var (model, history, seconds, failure) = Fit(config, epochs, seed, train, validation);
        if (failure is not null) throw new TrainingDivergedException($"The final training of {config.Describe()} failed: {failure}");
        var score = model.Evaluate(test.Images, test.OneHot, batchSize: 256);
        return new FinalRun(config, train.Count, validation.Count, test.Count, history!, score, seconds);
    }

    private static (Sequential Model, History? History, double Seconds, string? Failure) Fit(
        ConvNetConfig config, int epochs, ulong seed, LabeledTensors train, LabeledTensors validation)
    {
        var model = config.Build(seed);
        model.Compile(config.CreateOptimizer(), new CategoricalCrossentropy(), "accuracy");
        var clock = Stopwatch.StartNew();
        try
        {
            var history = model.Fit(train.Images, train.OneHot, epochs, config.BatchSize,
                validationData: (validation.Images, validation.OneHot), seed: seed + 1, verbose: 0);
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
