using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Tailor.Callbacks;
using Tailor.Common;
using Tailor.Data;
using Tailor.Distribution;
using Tailor.Models;

namespace Tailor.Studies;

/// <summary>
/// Stratified k-fold cross-validation of one of the notebook's models: the model, with the same initial
/// weights, is trained on k - 1 folds and validated on the held-out one, for each fold in turn.
/// In one process, folds run one after another: each training already spreads its kernels over every core
/// (<see cref="Threading.WorkerPool"/>), so running folds side by side would only make them compete. Across
/// processes (machines), a <see cref="UnitScheduler"/> hands them out.
/// </summary>
public static class CrossValidation
{
    /// <summary>
    /// Runs every fold of <paramref name="data"/>; <paramref name="test"/>, when given, is evaluated by
    /// each fold's model too. <paramref name="onFold"/> hears of each fold as it ends. With
    /// <paramref name="progress"/> (see <see cref="Progress"/>), each finished fold is saved there and a fold
    /// already saved is loaded instead of trained. When <paramref name="cancellationToken"/> is cancelled,
    /// the fold in progress stops after its current batch and is dropped, and an
    /// <see cref="OperationInterruptedException"/> says how many folds were finished and kept.
    /// </summary>
    public static CrossValidationResult Run(LabeledTensors data, CrossValidationOptions options, LabeledTensors? test = null,
        Action<FoldResult>? onFold = null, IReadOnlyList<Callback>? callbacks = null, int verbose = 0,
        StudyProgress? progress = null, CancellationToken cancellationToken = default) =>
        Run(data, options, UnitScheduler.InProcess, test, onFold, callbacks, verbose, progress, cancellationToken)!;

    /// <summary>
    /// As the other Run, with the folds computed by the workers of <paramref name="scheduler"/> (the ranks of
    /// an MPI job: <see cref="Distribution.Mpi.MpiUnitScheduler"/>), each as one becomes free. Every fold starts
    /// from the same weights and seed whoever computes it, so the result is the one-process result. The
    /// coordinator alone uses <paramref name="progress"/>, hears <paramref name="onFold"/> (as folds arrive, in
    /// any order) and returns the result; every other worker returns null.
    /// </summary>
    public static CrossValidationResult? Run(LabeledTensors data, CrossValidationOptions options, UnitScheduler scheduler, LabeledTensors? test = null,
        Action<FoldResult>? onFold = null, IReadOnlyList<Callback>? callbacks = null, int verbose = 0,
        StudyProgress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        var folds = Split(data, options);
        var results = new FoldResult?[folds.Count];
        var pending = new List<int>(folds.Count);
        for (int i = 0; i < folds.Count && scheduler.IsCoordinator; i++)
        {
            if (progress != null && progress.TryLoad(NameOf(folds[i]), e => ReadFold(e, folds[i].Number), out FoldResult kept))
            {
                results[i] = kept;
                onFold?.Invoke(kept);
            }
            else pending.Add(i);
        }
        bool complete = scheduler.Run(pending, i =>
        {
            if (cancellationToken.IsCancellationRequested) return null;
            // Every fold starts from the same weights and seed, whatever ran before it, so a fold loaded
            // from an interrupted run, or computed by another process, is the one this run would have trained.
            var fold = Train(data, folds[i], options, test, [.. callbacks ?? [], new InterruptOnCancellation(cancellationToken)], verbose);
            return fold == null ? null : StudyProgress.Record(FoldPayload(fold));
        }, (i, record) =>
        {
            // Every fold, computed here or elsewhere, is read back from its record: the same numbers either way.
            using var document = JsonDocument.Parse(record);
            var fold = ReadFold(document.RootElement, folds[i].Number);
            progress?.Save(NameOf(folds[i]), document.RootElement);
            results[i] = fold;
            onFold?.Invoke(fold);
        });
        if (!scheduler.IsCoordinator) return null;
        if (!complete) throw Interrupted(results.Count(r => r != null), folds.Count, progress, cancellationToken);
        return new CrossValidationResult(options, data.Count, [.. results.Select(r => r!)]);
    }

    private static string NameOf(Fold fold) => $"fold-{fold.Number}";

    /// <summary>One fold trained and scored; null when training was interrupted part-way.</summary>
    private static FoldResult? Train(LabeledTensors data, Fold fold, CrossValidationOptions options, LabeledTensors? test,
        IReadOnlyList<Callback> callbacks, int verbose)
    {
        var training = options.Training;
        var train = data.Select(fold.TrainIndices);
        var validation = data.Select(fold.ValidationIndices);
        var model = NotebookModels.CreateModel(options.Model, training.Seed);
        model.Compile(training.CreateOptimizer(), training.CreateLoss(), "accuracy");
        var clock = Stopwatch.StartNew();
        var history = model.Fit(TrainingRun.Inputs(train, options.Model), train.OneHot, training.Epochs, training.EffectiveBatchSize,
            validationData: (TrainingRun.Inputs(validation, options.Model), validation.OneHot),
            callbacks: callbacks, seed: training.Seed + 1, verbose: verbose);
        clock.Stop();
        if (model.Interruption != null) return null;
        Evaluation? testScore = test is null ? null : model.Evaluate(TrainingRun.Inputs(test, options.Model), test.OneHot, batchSize: 256);
        return new FoldResult(fold.Number, train.Count, validation.Count, history, testScore, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The progress of a cross-validation in <paramref name="directory"/>, keyed by everything its folds
    /// depend on: the options and the images (a fingerprint of <paramref name="data"/> and <paramref name="test"/>).
    /// Throws an ArgumentException naming what differs when the folder holds folds of another run.
    /// </summary>
    public static StudyProgress Progress(string directory, CrossValidationOptions options, LabeledTensors data, LabeledTensors? test)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inv = CultureInfo.InvariantCulture;
        var training = options.Training;
        return StudyProgress.Open(directory, "folds",
        [
            new("--model", options.Model.CliName()),
            new("--folds", options.Folds.ToString(inv)),
            new("--epochs", training.Epochs.ToString(inv)),
            new("--batch-size", training.EffectiveBatchSize.ToString(inv)),
            new("--optimizer", options.Optimizer),
            new("--learning-rate", options.LearningRate?.ToString("R", inv) ?? "default"),
            new("--seed", options.Seed.ToString(inv)),
            new("images (--data, --sample-seed)", test is null ? StudyProgress.Fingerprint(data) : StudyProgress.Fingerprint(data, test)),
        ]);
    }

    private static OperationInterruptedException Interrupted(int done, int total, StudyProgress? progress, CancellationToken token) => new(
        progress == null
            ? $"Interrupted after {done} of {total} folds; no progress folder was given, so none was kept."
            : $"Interrupted after {done} of {total} folds; the finished ones are kept in {progress.Directory}. Run the same command again to resume from them.",
        token);

    private static Dictionary<string, object?> FoldPayload(FoldResult fold) => new()
    {
        ["fold"] = fold.Fold,
        ["train"] = fold.TrainCount,
        ["validation"] = fold.ValidationCount,
        ["seconds"] = fold.Seconds,
        ["test"] = fold.Test is null ? null : new Dictionary<string, double> { ["loss"] = fold.Test.Loss, ["accuracy"] = fold.Test.Accuracy },
        ["history"] = StudyProgress.HistoryPayload(fold.History),
    };

    private static FoldResult ReadFold(JsonElement root, int number)
    {
        if (root.GetProperty("fold").GetInt32() != number) throw new FormatException($"it holds fold {root.GetProperty("fold").GetInt32()}, not {number}");
        var test = root.GetProperty("test");
        return new FoldResult(number, root.GetProperty("train").GetInt32(), root.GetProperty("validation").GetInt32(),
            StudyProgress.ReadHistory(root.GetProperty("history")),
            test.ValueKind == JsonValueKind.Null ? null
                : new Evaluation(StudyProgress.ReadDouble(test.GetProperty("loss")), StudyProgress.ReadDouble(test.GetProperty("accuracy"))),
            StudyProgress.ReadDouble(root.GetProperty("seconds")));
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
