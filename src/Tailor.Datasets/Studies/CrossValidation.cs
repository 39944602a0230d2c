using System.Diagnostics;
using Tailor.Data;
using Tailor.Losses;
using Tailor.Models;

namespace Tailor.Studies;

/// <summary>
/// Stratified k-fold cross-validation of one of the notebook's models: the model, with the same initial
/// weights, is trained on k - 1 folds and validated on the held-out one, for each fold in turn.
/// Folds run one after another: each training already spreads its kernels over every core
/// (<see cref="Threading.WorkerPool"/>), so running folds side by side would only make them compete.
/// </summary>
public static class CrossValidation
{
    /// <summary>
    /// Runs every fold of <paramref name="data"/>; <paramref name="test"/>, when given, is evaluated by
    /// each fold's model too. <paramref name="onFold"/> hears of each fold as it ends.
    /// </summary>
    public static CrossValidationResult Run(LabeledTensors data, CrossValidationOptions options, LabeledTensors? test = null,
        Action<FoldResult>? onFold = null, IReadOnlyList<Callback>? callbacks = null, int verbose = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var folds = Split(data, options);
        var training = options.Training;
        var results = new List<FoldResult>(folds.Count);
        foreach (var fold in folds)
        {
            var train = data.Select(fold.TrainIndices);
            var validation = data.Select(fold.ValidationIndices);
            var model = NotebookModels.Create(options.Model, training.Seed);
            model.Compile(training.CreateOptimizer(), new CategoricalCrossentropy(), "accuracy");
            var clock = Stopwatch.StartNew();
            var history = model.Fit(TrainingRun.Inputs(train, options.Model), train.OneHot, training.Epochs, training.EffectiveBatchSize,
                validationData: (TrainingRun.Inputs(validation, options.Model), validation.OneHot),
                callbacks: callbacks, seed: training.Seed + 1, verbose: verbose);
            clock.Stop();
            Evaluation? testScore = test is null ? null : model.Evaluate(TrainingRun.Inputs(test, options.Model), test.OneHot, batchSize: 256);
            var result = new FoldResult(fold.Number, train.Count, validation.Count, history, testScore, clock.Elapsed.TotalSeconds);
            results.Add(result);
            onFold?.Invoke(result);
        }
        return new CrossValidationResult(options, data.Count, results);
    }

    /// <summary>The stratified folds of <paramref name="data"/>; throws an ArgumentException naming --folds and its limit when they cannot be made.</summary>
    public static IReadOnlyList<Fold> Split(LabeledTensors data, CrossValidationOptions options)
    {
        int classes = data.OneHot.ItemLength;
        StratifiedKFold.CheckFolds(data.Labels, options.Folds, classes, "--folds",
            classes == FashionMnist.NumClasses ? FashionMnist.ClassNames : null);
        return StratifiedKFold.Split(data.Labels, options.Folds, classes, options.Seed + 2);
    }
}
