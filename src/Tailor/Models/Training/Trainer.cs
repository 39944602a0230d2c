using System.Diagnostics;
using System.Runtime.CompilerServices;
using Tailor.Augmentation;
using Tailor.Common;
using Tailor.Metrics;
using Tailor.Tensors;

namespace Tailor.Models.Training;

/// <summary>
/// Owns the training loop of a model, as Keras 3's Trainer and PyTorch Lightning's loop do: batches from a
/// <see cref="BatchSource"/> in a seeded order, the train step (<see cref="TrainStep"/>: the
/// <see cref="GradientStep"/> computes the gradient, callbacks see it, the optimizer applies it), the
/// metrics, the callbacks, validation, and one resumable <see cref="TrainingState"/>.
/// <c>Sequential.Fit</c> runs one; a program that needs another step derives from it, and
/// data-parallel training replaces only <see cref="GradientStep"/>.
/// </summary>
/// <remarks>
/// Holds the model's lock for the whole of <see cref="Fit(BatchSource, FitOptions, CancellationToken)"/>, as Sequential.Fit always has: a Predict from
/// another thread waits. A trainer runs one Fit at a time.
/// </remarks>
public class Trainer
{
    private readonly List<Callback> _callbacks = [];
    private Metric[] _metrics = [];
    private Metric[] _validationMetrics = [];
    private int[] _identity = [];
    private float[] _batchWeights = [];
    private int _weightedRows;
    private History? _history;
    private int _completedEpochs;

    /// <summary>A trainer for <paramref name="model"/>, which must be compiled before <see cref="Fit(BatchSource, FitOptions, CancellationToken)"/>.</summary>
    public Trainer(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    public Model Model { get; }

    /// <summary>How each batch's gradient is computed and combined; one forward and backward pass by default.</summary>
    public GradientStep GradientStep { get; init; } = new WholeBatchGradient();

    /// <summary>The loss weights of the batch in the step in progress (sample and class weights); empty when the run has none.</summary>
    protected ReadOnlySpan<float> BatchWeights => _batchWeights.AsSpan(0, _weightedRows);

    /// <summary>The metrics of the run in progress (fresh copies of the model's compiled ones).</summary>
    public IReadOnlyList<Metric> Metrics => _metrics;

    /// <summary>
    /// Trains on <paramref name="train"/> as Keras's fit does: a shuffled order per epoch, batches of
    /// <see cref="FitOptions.BatchSize"/>, validation at each epoch's end, callbacks at each boundary.
    /// Cancelling <paramref name="cancellationToken"/> or <see cref="Models.Model.RequestInterrupt"/> stops after
    /// the batch in progress: Fit returns the History so far and <see cref="Models.Model.Interruption"/> holds
    /// the state that resumes it exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public History Fit(BatchSource train, FitOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        Guard.Positive(options.Epochs, "epochs");
        Guard.Positive(options.BatchSize, "batch_size");
        int epochs = options.Epochs, batchSize = options.BatchSize;
        var resume = options.Resume;
        int initialEpoch = resume?.Epoch ?? options.InitialEpoch;
        if (resume != null && options.InitialEpoch != 0 && options.InitialEpoch != resume.Epoch)
            throw new ArgumentException($"initial_epoch is {options.InitialEpoch}, but the state to resume is at epoch {resume.Epoch}; give one or the other.");
        if (initialEpoch < 0 || initialEpoch > epochs)
            throw new ArgumentOutOfRangeException(nameof(options), $"initial_epoch must be in [0, epochs={epochs}], received {initialEpoch}.");

        var model = Model;
        using var held = model.EnterLock();
        model.RequireCompiled();
        model.EnsureBuilt(train.InputShape);
        model.CheckSource(train, "x", "y");
        if (options.Validation is { } validation) model.CheckSource(validation, "validation x", "validation y");
        int samples = train.Count;
        if (samples == 0) throw new ArgumentException("Fit received no training samples.");
        var augmentation = options.Augmentation;
        var imageSize = augmentation == null ? default : AugmentationPipeline.ImageSizeOf(model.InputShape, $"model '{model.Name}'");
        // In 64 bits: samples + batchSize - 1 overflows an int for a batch size near int.MaxValue.
        int steps = (int)(((long)samples + batchSize - 1) / batchSize);
        if (resume is { IsMidEpoch: true } && (resume.Order.Length != samples || resume.Step >= steps))
            throw new ArgumentException($"The state to resume (epoch {resume.Epoch + 1}, step {resume.Step} of {resume.Order.Length} samples) does not fit this Fit ({steps} steps of {samples} samples).");

        var sampleWeights = options.SampleWeights;
        var classWeights = options.ClassWeights;
        CheckWeights(sampleWeights, classWeights, samples, model.OutputLength);
        bool weighted = sampleWeights != null || classWeights != null;
        int batchRows = Math.Min(batchSize, samples);
        if (weighted && _batchWeights.Length < batchRows) _batchWeights = new float[batchRows];
        _weightedRows = 0;
        _metrics = [.. model.Metrics.Select(m => m.CloneEmpty())];
        _validationMetrics = [.. model.Metrics.Select(m => m.CloneEmpty())];
        _callbacks.Clear();
        if (options.Verbose > 0) _callbacks.Add(new ProgressLogger());
        if (options.Progress != null) _callbacks.Add(new ProgressReporter(options.Progress));
        _callbacks.AddRange(options.Callbacks);
        // A request left from an earlier Fit (one that threw, or a cancel after it ended) must not stop this one;
        // one made before this Fit reaches its callbacks, which re-request it (InterruptOnCancellation).
        model.ClearInterrupt();
        using var cancellation = cancellationToken.Register(model.RequestInterrupt);
        var rng = model.StartTrainingStreams(resume?.Rng, options.Seed);
        var history = _history = resume?.History ?? new History();
        _completedEpochs = initialEpoch;
        model.StopTraining = false;
        model.Interruption = null;

        var info = new TrainingInfo(epochs, initialEpoch, steps, samples, options.Validation?.Count ?? 0, batchSize);
        foreach (var c in _callbacks) { c.Model = model; c.Trainer = this; c.OnTrainBegin(info); }

        var order = new int[samples];
        var clock = new Stopwatch();
        for (int epoch = initialEpoch; epoch < epochs && !model.StopTraining; epoch++)
        {
            clock.Restart();
            foreach (var c in _callbacks) c.OnEpochBegin(epoch);
            double lossSum = 0;
            foreach (var m in _metrics) m.Reset();
            int firstStep = 0;
            if (resume is { IsMidEpoch: true } && epoch == initialEpoch)
            {
                resume.Order.CopyTo(order, 0);
                lossSum = resume.LossSum;
                firstStep = resume.Step;
                foreach (var m in _metrics)
                    if (resume.Metrics.TryGetValue(m.Name, out var state)) m.Restore(state);
                    else throw new ArgumentException($"The state to resume has no sums of metric '{m.Name}'; it was written for a model compiled with other metrics.");
            }
            else
            {
                for (int i = 0; i < samples; i++) order[i] = i;
                if (options.Shuffle) rng.Shuffle(order);
            }

            // Every step before the resumed one was a full batch: only the last may be short.
            int seen = firstStep * batchSize;
            train.BeginPass(order, firstStep * batchSize, batchSize);
            try
            {
                for (int step = firstStep; step < steps; step++)
                {
                    int start = step * batchSize, count = Math.Min(batchSize, samples - start);
                    var (xb, yb) = model.BatchBuffers(count, train);
                    train.Gather(order, start, count, xb, yb);
                    // Only training batches are augmented (a copy: the source itself is never changed); validation is not.
                    augmentation?.Apply(xb.Buffer, count, imageSize, rng.NextULong());
                    if (weighted) GatherWeights(sampleWeights, classWeights, order, start, count, yb);
                    float loss = TrainStep(xb, yb, epoch, step);
                    seen += count;
                    lossSum += (double)loss * count;
                    if (!float.IsFinite(loss))
                    {
                        // A callback such as TerminateOnNaN may end training here; otherwise it is an error.
                        foreach (var c in _callbacks) c.OnBatchEnd(epoch, step, loss);
                        if (model.StopTraining) break;
                        throw new TrainingDivergedException($"The loss became {loss} at epoch {epoch + 1}, batch {step + 1} of {steps}. Lower the learning rate or check the inputs for NaN or infinite values.");
                    }
                    foreach (var c in _callbacks) c.OnBatchEnd(epoch, step, loss);
                    if (model.StopTraining) break;
                    if (model.StopsAfterStep && step + 1 < steps)
                    {
                        model.Interruption = CaptureState(epoch, step + 1, (int[])order.Clone(), lossSum);
                        break;
                    }
                }
            }
            finally { train.EndPass(); }
            if (model.Interruption != null) break;

            var logs = new Dictionary<string, double> { ["loss"] = lossSum / seen };
            foreach (var m in _metrics) logs[m.Name] = m.Result();
            if (options.Validation is { } data)
            {
                logs["val_loss"] = Validate(data, Math.Max(batchSize, 256));
                foreach (var m in _validationMetrics) logs["val_" + m.Name] = m.Result();
            }
            clock.Stop();
            history.Add(epoch + 1, logs, clock.Elapsed.TotalSeconds);
            _completedEpochs = epoch + 1;
            foreach (var c in _callbacks) c.OnEpochEnd(epoch, logs);
            if (model.StopsAfterStep && epoch + 1 < epochs)
            {
                model.Interruption = CaptureState();
                break;
            }
        }
        model.ClearInterrupt();
        foreach (var c in _callbacks) c.OnTrainEnd(history);
        return history;
    }

    /// <summary>
    /// One train step on a batch already in the model's shapes: the <see cref="GradientStep"/> fills the
    /// gradients and the metrics, callbacks see the gradients, the optimizer applies them. Returns the loss;
    /// when it is not finite nothing is applied (the loop then stops or throws). Override to train otherwise,
    /// as Keras's train_step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected virtual float TrainStep(Tensor x, Tensor y, int epoch, int step)
    {
        float loss = GradientStep.Compute(Model, x, y, BatchWeights, _metrics, epoch, step);
        if (!float.IsFinite(loss)) return loss;
        foreach (var c in _callbacks) c.OnBatchGradients(epoch, step);
        Model.Optimizer!.Apply(Model.Parameters);
        return loss;
    }

    /// <summary>Refuses weights that do not fit the data: one finite, non-negative weight per sample; class indices of the outputs.</summary>
    private static void CheckWeights(float[]? sampleWeights, IReadOnlyDictionary<int, float>? classWeights, int samples, int outputs)
    {
        if (sampleWeights != null)
        {
            if (sampleWeights.Length != samples)
                throw new ArgumentException($"sample_weight holds {sampleWeights.Length} weights for {samples} training samples.");
            for (int i = 0; i < sampleWeights.Length; i++)
                if (!(sampleWeights[i] >= 0 && float.IsFinite(sampleWeights[i])))
                    throw new ArgumentException($"sample_weight must be finite and 0 or more; sample {i} has {sampleWeights[i]}.");
        }
        if (classWeights != null)
            foreach (var (label, weight) in classWeights)
            {
                if (label < 0 || label >= Math.Max(outputs, 2))
                    throw new ArgumentException($"class_weight names class {label}; the model's {outputs} outputs have classes 0 to {Math.Max(outputs, 2) - 1}.");
                if (!(weight >= 0 && float.IsFinite(weight)))
                    throw new ArgumentException($"class_weight must be finite and 0 or more; class {label} has {weight}.");
            }
    }

    /// <summary>
    /// The batch's loss weights: each sample's weight times its class's, the class read from its target as the
    /// loss reads it (the index, the one-hot's largest entry, or for one output 1 above 0.5).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void GatherWeights(float[]? sampleWeights, IReadOnlyDictionary<int, float>? classWeights, int[] order, int start, int count, Tensor yb)
    {
        int targetLength = yb.ItemLength;
        var targets = yb.Span;
        for (int i = 0; i < count; i++)
        {
            float weight = sampleWeights?[order[start + i]] ?? 1;
            if (classWeights != null)
            {
                int label = ConfusionMatrix.ClassOf(targets.Slice(i * targetLength, targetLength), Model.OutputLength);
                if (classWeights.TryGetValue(label, out float classWeight)) weight *= classWeight;
            }
            _batchWeights[i] = weight;
        }
        _weightedRows = count;
    }

    /// <summary>The mean loss (penalties included) over <paramref name="data"/> in inference mode; fills the validation metrics.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double Validate(BatchSource data, int batchSize)
    {
        // A sharded run validates in per-batch records, shared by its workers: the same bits on any number of them.
        if (GradientStep is ShardedGradient sharded) return ShardedEvaluation.Validate(Model, data, batchSize, sharded.Transport, _validationMetrics);
        int samples = data.Count;
        if (_identity.Length != samples)
        {
            _identity = new int[samples];
            for (int i = 0; i < samples; i++) _identity[i] = i;
        }
        foreach (var m in _validationMetrics) m.Reset();
        double lossSum = 0;
        data.BeginPass(_identity, 0, batchSize);
        try
        {
            for (int start = 0; start < samples; start += batchSize)
            {
                int count = Math.Min(batchSize, samples - start);
                var (xb, yb) = Model.BatchBuffers(count, data);
                data.Gather(_identity, start, count, xb, yb);
                lossSum += Model.InferenceLoss(xb, yb, _validationMetrics) * count;
            }
        }
        finally { data.EndPass(); }
        return lossSum / samples + Model.Penalty();
    }

    /// <summary>
    /// The state that resumes this run at the start of the next epoch: for a callback at an epoch's end (a
    /// checkpoint), or after Fit returned.
    /// </summary>
    public TrainingState CaptureState() => CaptureState(_completedEpochs, 0, [], 0);

    private TrainingState CaptureState(int epoch, int step, int[] order, double lossSum)
    {
        if (_history == null) throw new InvalidOperationException("This trainer has not started a Fit, so it has no state.");
        var metrics = step == 0 ? new Dictionary<string, double[]>()
            : _metrics.ToDictionary(m => m.Name, m => (double[])m.State.Clone());
        return new TrainingState(epoch, step, order, lossSum, metrics, Model.CaptureTrainingRngState(), _history);
    }
}
