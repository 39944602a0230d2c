using System.Runtime.CompilerServices;
using System.Diagnostics;
using Tailor.Augmentation;
using Tailor.Common;
using Tailor.Layers;
using Tailor.Layers.Core;
using Tailor.Losses;
using Tailor.Metrics;
using Tailor.Optimizers;
using Tailor.Tensors;

namespace Tailor.Models;

/// <summary>
/// A plain stack of layers with Keras's workflow: Add, Compile, Fit, Evaluate, Predict, Summary.
/// The same <see cref="Seed"/> gives the same initial weights, and Fit's seed the same shuffles and
/// dropout masks, so a run repeats bit for bit.
/// </summary>
/// <remarks>
/// Thread-safe: the layers keep each batch's activations in buffers of their own, so every method that
/// runs them, builds the model or changes its weights holds one lock per model. Concurrent calls on
/// one model run one after another, each with exactly the result it gets alone; the kernels already
/// use every core for one call. Two models run in parallel. A callback of <see cref="Fit"/> runs under
/// the lock: it may call the model itself, but must not wait for another thread that does.
/// </remarks>
public sealed class Sequential
{
    /// <summary>Held by every call that runs the layers (their buffers are per model, not per call) or changes the model.</summary>
    private readonly Lock _gate = new();
    private readonly List<Layer> _layers = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly List<Parameter> _parameters = [];
    private int[]? _inputShape;
    private Tensor? _xBatch, _yBatch, _lossGradient;
    private readonly BatchGather _gather = new();

    public Sequential(string name = "sequential", ulong seed = 0)
    {
        Name = name;
        Seed = seed;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Sequential(IEnumerable<Layer> layers, string name = "sequential", ulong seed = 0) : this(name, seed)
    {
        foreach (var layer in layers) Add(layer);
    }

    public string Name { get; }

    /// <summary>Seeds the initial weights.</summary>
    public ulong Seed { get; }

    public IReadOnlyList<Layer> Layers => _layers;

    public IReadOnlyList<Parameter> Parameters => _parameters;

    public ReadOnlySpan<int> InputShape => _inputShape;

    public bool IsBuilt => _inputShape != null;

    public Optimizer? Optimizer { get; private set; }
    public Loss? Loss { get; private set; }
    public IReadOnlyList<string> Metrics { get; private set; } = [];

    /// <summary>Set by a callback to end <see cref="Fit"/> after the current epoch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>The random stream of the current or last Fit (shuffles, dropout); saved by checkpoints.</summary>
    public Rng? TrainingRng { get; private set; }

    private volatile bool _interruptRequested;

    /// <summary>
    /// Asks a running <see cref="Fit"/> to stop after the batch in progress (safe from a signal handler).
    /// Fit then returns early with <see cref="Interruption"/> saying where it stopped, so the run can be
    /// checkpointed and resumed exactly.
    /// </summary>
    public void RequestInterrupt() => _interruptRequested = true;

    /// <summary>Where the last Fit stopped when interrupted (null when it ran to the end or stopped by a callback).</summary>
    public FitProgress? Interruption { get; private set; }

    /// <summary>The state of every random stream of the current Fit: the shuffles' and each layer's (dropout masks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public TrainingRngState CaptureTrainingRngState()
    {
        using var held = _gate.EnterScope();
        if (TrainingRng == null) throw new InvalidOperationException($"Model '{Name}' has not started training, so it has no training random state.");
        var layers = new Dictionary<string, ulong[]>();
        foreach (var layer in _layers)
            if (layer.Name != null && layer.TrainingRngForCheckpoint is { } r) layers[layer.Name] = r.GetState();
        return new TrainingRngState(TrainingRng.GetState(), layers);
    }

    public long ParameterCount => _layers.Sum(l => l.ParameterCount);

    /// <summary>The values the layers' outputs hold for one sample, summed over the layers (known once built): what a batch costs per sample.</summary>
    public long ActivationValues { get; private set; }

    /// <summary>
    /// The most values <see cref="Build"/> lets the layers' outputs hold for one sample: a loader lowers it so
    /// that a damaged file (65,536 filters over a large image) fails before any batch is allocated.
    /// </summary>
    internal long ActivationBudget { get; set; } = long.MaxValue;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long ValuesOf(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n = d <= 0 ? 0 : n > long.MaxValue / 2 / d ? long.MaxValue / 2 : n * d;
        return n;
    }

    public int OutputLength => _layers[^1].OutputShape[^1];

    /// <summary>
    /// Null when the model's outputs are probabilities over <paramref name="classes"/> classes: one value per
    /// class, from a softmax (Dropout after it changes nothing at inference). Otherwise why not, naming the
    /// layer, so that a caller can refuse to print "30,376.59 %" or a class name the model has no output for.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string? WhyNotClassProbabilities(int classes)
    {
        if (!IsBuilt) return $"model '{Name}' is not built";
        var output = _layers[^1].OutputShape;
        if (output.Length != 1 || output[0] != classes)
            return $"the model's output is {Layer.FormatBatchShape(output)}, not one value for each of the {classes} classes";
        int last = _layers.Count - 1;
        while (last > 0 && _layers[last] is Layers.Regularization.Dropout) last--;
        return _layers[last] is ActivatedLayer { Activation: Kernels.Activation.Softmax } ? null
            : $"its last layer, {_layers[last].Describe()}, has {(_layers[last] is ActivatedLayer a ? $"a {Kernels.Activations.KerasName(a.Activation)}" : "no")} activation rather than softmax, so its outputs are not class probabilities";
    }

    public void Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        using var held = _gate.EnterScope();
        if (IsBuilt) throw new InvalidOperationException($"Model '{Name}' is already built; add layers before building it.");
        if (ReferenceEquals(layer.Owner, this))
            throw new ArgumentException($"Model '{Name}' already has {layer.Describe()}; a layer can appear once. Create another layer.");
        string prefix = layer.NamePrefix;
        string name = layer.Name ?? AutomaticName(prefix);
        // A set, so that a model of many layers (a file of thousands) is not checked in quadratic time.
        if (_names.Contains(name))
            throw new ArgumentException($"Model '{Name}' already has a layer named '{name}'. Layer names must be unique.");
        if (!layer.TryJoin(this))
            throw new ArgumentException($"{layer.Describe()} already belongs to model '{((Sequential)layer.Owner!).Name}'. A layer keeps its weights and buffers for one model: create another layer for model '{Name}'.");
        layer.Name = name;
        _names.Add(name);
        _layers.Add(layer);
    }

    /// <summary>Keras's automatic name: the prefix, then prefix_1, prefix_2, ... for the next layers of the kind.</summary>
    private string AutomaticName(string prefix)
    {
        int count = _layers.Count(l => l.NamePrefix == prefix && l.Name != null && (l.Name == prefix || l.Name.StartsWith(prefix + "_")));
        return count == 0 ? prefix : $"{prefix}_{count}";
    }

    /// <summary>Builds every layer for a per-sample input shape, e.g. (28, 28, 1), creating weights from <see cref="Seed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Build(params int[] inputShape)
    {
        using var held = _gate.EnterScope();
        if (_layers.Count == 0)
            throw new InvalidOperationException($"Model '{Name}' cannot be built because it has no layers. Call `model.Add(layer)`.");
        foreach (int d in inputShape)
            if (d <= 0) throw new ArgumentException($"Model '{Name}' input shape must have positive dimensions, received {Tensor.Format(inputShape)}.");
        var rng = new Rng(Seed);
        ReadOnlySpan<int> shape = inputShape;
        long activations = 0;
        foreach (var layer in _layers)
        {
            layer.Build(shape, rng);
            layer.ComputeInputGradient = layer != _layers[0];
            shape = layer.OutputShape;
            activations = Math.Min(activations + ValuesOf(shape), long.MaxValue / 2);
            if (activations > ActivationBudget)
                throw new ArgumentException(
                    $"{layer.Describe()} outputs {Layer.FormatBatchShape(shape)}, which brings the layers' outputs for one sample to more than {ActivationBudget:N0} values.");
        }
        ActivationValues = activations;
        _parameters.Clear();
        foreach (var layer in _layers) _parameters.AddRange(layer.Parameters);
        _inputShape = (int[])inputShape.Clone();
        ConfigureFusedOutput();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Compile(Optimizer optimizer, Loss loss, params string[] metrics)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        foreach (var m in metrics)
            if (m != "accuracy" && m != "acc")
                throw new ArgumentException($"Unknown metric '{m}'. Valid metrics: accuracy.");
        using var held = _gate.EnterScope();
        Optimizer = optimizer;
        Loss = loss;
        Metrics = metrics.Select(_ => "accuracy").Distinct().ToArray();
        ConfigureFusedOutput();
    }

    /// <summary>Keras's string form: Compile("rmsprop", "categorical_crossentropy", "accuracy").</summary>
    public void Compile(string optimizer, string loss, params string[] metrics) =>
        Compile(Optimizers.Optimizer.Parse(optimizer), Losses.Loss.Parse(loss), metrics);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ConfigureFusedOutput()
    {
        foreach (var layer in _layers.OfType<ActivatedLayer>()) layer.GradientIsPreActivation = false;
        if (_layers.Count > 0 && _layers[^1] is ActivatedLayer last && Loss != null && Loss.FusesWith(last.Activation))
            last.GradientIsPreActivation = true;
    }

    /// <summary>
    /// Keras's fit: shuffled batches, validation at each epoch's end, callbacks at each boundary.
    /// <paramref name="augmentation"/>, when given, transforms each training batch (a copy; never
    /// <paramref name="x"/> nor the validation data), drawing one key per batch from the training stream.
    /// Thread-safe: concurrent calls on one model run one after another (a Predict from another thread
    /// waits for the whole Fit). Cancelling <paramref name="cancellationToken"/> stops training after the
    /// batch in progress, as <see cref="RequestInterrupt"/> does: Fit returns the History so far and
    /// <see cref="Interruption"/> says where it stopped, so a checkpoint then resumes it exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public History Fit(Tensor x, Tensor y, int epochs = 1, int batchSize = 32,
        (Tensor X, Tensor Y)? validationData = null, double validationSplit = 0, bool shuffle = true,
        IReadOnlyList<Callback>? callbacks = null, ulong? seed = null, int verbose = 1, int initialEpoch = 0,
        TrainingRngState? rngState = null, History? history = null, FitProgress? progress = null,
        AugmentationPipeline? augmentation = null, CancellationToken cancellationToken = default)
    {
        Guard.Positive(epochs);
        Guard.Positive(batchSize, "batch_size");
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), $"Received an invalid value for `validation_split`, expected a number in [0, 1). Received: validation_split={validationSplit}");
        if (initialEpoch < 0 || initialEpoch > epochs)
            throw new ArgumentOutOfRangeException(nameof(initialEpoch), $"initial_epoch must be in [0, epochs={epochs}], received {initialEpoch}.");
        using var held = _gate.EnterScope();
        RequireCompiled();
        EnsureBuilt(x);
        CheckData(x, y, "x", "y");

        if (validationData == null && validationSplit > 0)
        {
            int splitAt = (int)Math.Ceiling(x.Dim(0) * (1 - validationSplit));
            validationData = (x.Slice(splitAt, x.Dim(0) - splitAt), y.Slice(splitAt, y.Dim(0) - splitAt));
            x = x.Slice(0, splitAt);
            y = y.Slice(0, splitAt);
        }
        if (validationData is var (vx, vy)) CheckData(vx, vy, "validation x", "validation y");
        int samples = x.Dim(0);
        if (samples == 0) throw new ArgumentException("Fit received no training samples.");
        var imageSize = augmentation == null ? default : AugmentationPipeline.ImageSizeOf(_inputShape, $"model '{Name}'");

        var allCallbacks = new List<Callback>();
        if (verbose > 0) allCallbacks.Add(new ProgressLogger());
        if (callbacks != null) allCallbacks.AddRange(callbacks);
        // A request left from an earlier Fit (one that threw, or a cancel after it ended) must not stop this one;
        // one made before this Fit reaches its callbacks, which re-request it (InterruptOnCancellation).
        _interruptRequested = false;
        using var cancellation = cancellationToken.Register(RequestInterrupt);
        // In 64 bits: samples + batchSize - 1 overflows an int for a batch size near int.MaxValue.
        int steps = (int)(((long)samples + batchSize - 1) / batchSize);
        Rng rng;
        if (rngState != null)
        {
            // Resuming: every stream continues where the checkpoint left it, instead of being split anew.
            rng = TrainingRng = Rng.FromState(rngState.Shuffle);
            foreach (var layer in _layers)
                if (layer.Name != null && rngState.Layers.TryGetValue(layer.Name, out var state)) layer.RestoreTrainingRng(Rng.FromState(state));
        }
        else
        {
            rng = TrainingRng = new Rng(seed ?? Seed + 1);
            foreach (var layer in _layers) layer.SetTrainingRng(rng.Split());
        }
        if (progress is { Step: 0 }) progress = null; // stopped between epochs: nothing of the next one to restore
        if (progress != null)
        {
            if (progress.Epoch != initialEpoch || progress.Order.Length != samples || progress.Step < 0 || progress.Step >= steps)
                throw new ArgumentException($"The progress to resume (epoch {progress.Epoch + 1}, step {progress.Step} of {progress.Order.Length} samples) does not fit this Fit (initial_epoch {initialEpoch}, {steps} steps of {samples} samples).");
        }
        history ??= new History();
        StopTraining = false;
        Interruption = null;

        var info = new TrainingInfo(epochs, initialEpoch, steps, samples, validationData?.X.Dim(0) ?? 0, batchSize);
        foreach (var c in allCallbacks) { c.Model = this; c.OnTrainBegin(info); }

        var order = new int[samples];
        var clock = new Stopwatch();
        for (int epoch = initialEpoch; epoch < epochs && !StopTraining; epoch++)
        {
            clock.Restart();
            foreach (var c in allCallbacks) c.OnEpochBegin(epoch);
            double lossSum = 0;
            long correct = 0;
            int firstStep = 0;
            if (progress != null && epoch == initialEpoch)
            {
                progress.Order.CopyTo(order, 0);
                (lossSum, correct, firstStep) = (progress.LossSum, progress.Correct, progress.Step);
            }
            else
            {
                for (int i = 0; i < samples; i++) order[i] = i;
                if (shuffle) rng.Shuffle(order);
            }

            // Every step before the resumed one was a full batch: only the last may be short.
            int seen = firstStep * batchSize;
            for (int step = firstStep; step < steps; step++)
            {
                int start = step * batchSize, count = Math.Min(batchSize, samples - start);
                var (xb, yb) = GatherBatch(x, y, order, start, count);
                // Only training batches are augmented (a copy: x itself is never changed); validation is not.
                augmentation?.Apply(xb.Buffer, count, imageSize, rng.NextULong());
                float loss = ComputeGradientsOnBatch(xb, yb, out int batchCorrect);
                seen += count;
                lossSum += (double)loss * count;
                correct += batchCorrect;
                if (!float.IsFinite(loss))
                {
                    // A callback such as TerminateOnNaN may end training here; otherwise it is an error.
                    foreach (var c in allCallbacks) c.OnBatchEnd(epoch, step, loss);
                    if (StopTraining) break;
                    throw new TrainingDivergedException($"The loss became {loss} at epoch {epoch + 1}, batch {step + 1} of {steps}. Lower the learning rate or check the inputs for NaN or infinite values.");
                }
                foreach (var c in allCallbacks) c.OnBatchGradients(epoch, step);
                Optimizer!.Apply(_parameters);
                foreach (var c in allCallbacks) c.OnBatchEnd(epoch, step, loss);
                if (StopTraining) break;
                if (_interruptRequested && step + 1 < steps)
                {
                    Interruption = new FitProgress(epoch, step + 1, (int[])order.Clone(), lossSum, correct);
                    break;
                }
            }
            if (Interruption != null) break;

            var logs = new Dictionary<string, double> { ["loss"] = lossSum / seen };
            if (Metrics.Count > 0) logs["accuracy"] = (double)correct / (seen * Accuracy.CountPerSample(Loss!, OutputLength));
            if (validationData is var (valX, valY))
            {
                var val = EvaluateCore(valX, valY, Math.Max(batchSize, 256));
                logs["val_loss"] = val.Loss;
                if (Metrics.Count > 0) logs["val_accuracy"] = val.Accuracy;
            }
            clock.Stop();
            history.Add(epoch + 1, logs, clock.Elapsed.TotalSeconds);
            foreach (var c in allCallbacks) c.OnEpochEnd(epoch, logs);
            if (_interruptRequested && epoch + 1 < epochs)
            {
                Interruption = new FitProgress(epoch + 1, 0, [], 0, 0);
                break;
            }
        }
        _interruptRequested = false;
        foreach (var c in allCallbacks) c.OnTrainEnd(history);
        return history;
    }

    /// <summary>
    /// One batch forward and backward: fills every parameter's gradient and returns the loss (penalties included).
    /// Thread-safe: concurrent calls on one model run one after another.
    /// </summary>
    public float ComputeGradients(Tensor x, Tensor y)
    {
        using var held = _gate.EnterScope();
        RequireCompiled();
        EnsureBuilt(x);
        CheckData(x, y, "x", "y");
        return ComputeGradientsOnBatch(x, y, out _);
    }

    /// <summary>One optimizer step on one batch; returns the loss before the step. Thread-safe: concurrent calls on one model run one after another.</summary>
    public float TrainOnBatch(Tensor x, Tensor y)
    {
        using var held = _gate.EnterScope();
        float loss = ComputeGradients(x, y);
        Optimizer!.Apply(_parameters);
        return loss;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float ComputeGradientsOnBatch(Tensor x, Tensor y, out int correct)
    {
        int batch = x.Dim(0), outputs = OutputLength;
        var prediction = ForwardAll(x, training: true);
        var gradient = Ensure(ref _lossGradient, batch, outputs);
        float loss;
        if (_layers[^1] is ActivatedLayer { GradientIsPreActivation: true })
        {
            loss = Loss!.Compute(prediction.Span, y.Span, batch, outputs, default);
            Loss.PreActivationGradient(prediction.Span, y.Span, batch, outputs, gradient.Span);
        }
        else loss = Loss!.Compute(prediction.Span, y.Span, batch, outputs, gradient.Span);
        correct = Metrics.Count > 0 ? Accuracy.CountCorrect(Loss, prediction.Span, y.Span, batch, outputs) : 0;

        Tensor? upstream = gradient;
        for (int i = _layers.Count - 1; i >= 0 && upstream != null; i--) upstream = _layers[i].Backward(upstream);
        foreach (var p in _parameters)
        {
            if (p.Regularizer == null) continue;
            loss += p.Regularizer.Penalty(p.Value.Span);
            p.Regularizer.AddGradient(p.Value.Span, p.Gradient.Span);
        }
        return loss;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Tensor ForwardAll(Tensor x, bool training)
    {
        var current = x;
        foreach (var layer in _layers) current = layer.Forward(current, training);
        return current;
    }

    /// <summary>
    /// Mean loss (penalties included) and accuracy over <paramref name="x"/> and <paramref name="y"/>, in
    /// inference mode. Thread-safe: concurrent calls on one model run one after another. A cancelled
    /// <paramref name="cancellationToken"/> throws <see cref="OperationCanceledException"/> between batches.
    /// </summary>
    public Evaluation Evaluate(Tensor x, Tensor y, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        Guard.Positive(batchSize, "batch_size");
        using var held = _gate.EnterScope();
        RequireCompiled();
        EnsureBuilt(x);
        CheckData(x, y, "x", "y");
        return EvaluateCore(x, y, batchSize, cancellationToken);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Evaluation EvaluateCore(Tensor x, Tensor y, int batchSize, CancellationToken cancellationToken = default)
    {
        int samples = x.Dim(0), outputs = OutputLength;
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < samples; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, samples - start);
            var (xb, yb) = CopyBatch(x, y, start, count);
            var prediction = ForwardAll(xb, training: false);
            lossSum += (double)Loss!.Compute(prediction.Span, yb.Span, count, outputs, default) * count;
            correct += Accuracy.CountCorrect(Loss, prediction.Span, yb.Span, count, outputs);
        }
        double penalty = 0;
        foreach (var p in _parameters) if (p.Regularizer != null) penalty += p.Regularizer.Penalty(p.Value.Span);
        return new Evaluation(lossSum / samples + penalty, (double)correct / (samples * Accuracy.CountPerSample(Loss!, outputs)));
    }

    /// <summary>
    /// The outputs for every sample of <paramref name="x"/>, in inference mode (dropout off), in a new tensor.
    /// Thread-safe: concurrent calls on one model run one after another, each with the result it gets alone.
    /// A cancelled <paramref name="cancellationToken"/> throws <see cref="OperationCanceledException"/> between batches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Tensor Predict(Tensor x, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        Guard.Positive(batchSize, "batch_size");
        using var held = _gate.EnterScope();
        EnsureBuilt(x);
        CheckInputs(x, "x");
        // The last layer's whole output per sample, as Keras's predict gives it (not only its last axis).
        int[] itemShape = [.. _layers[^1].OutputShape];
        int samples = x.Dim(0), outputs = Tensor.SizeOf(itemShape);
        var result = new Tensor([samples, .. itemShape]);
        for (int start = 0; start < samples; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, samples - start);
            var (xb, _) = CopyBatch(x, null, start, count);
            ForwardAll(xb, training: false).Span.CopyTo(result.Span.Slice(start * outputs, count * outputs));
        }
        return result;
    }

    /// <summary>
    /// Every layer's output for <paramref name="x"/> in inference mode, as Keras's activation model gives them (copies).
    /// Thread-safe: concurrent calls on one model run one after another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public IReadOnlyList<(Layer Layer, Tensor Output)> GetActivations(Tensor x)
    {
        using var held = _gate.EnterScope();
        EnsureBuilt(x);
        CheckInputs(x, "x");
        var result = new List<(Layer, Tensor)>();
        var current = x;
        foreach (var layer in _layers)
        {
            current = layer.Forward(current, training: false);
            result.Add((layer, current.Clone()));
        }
        return result;
    }

    /// <summary>Copies of every parameter's values, layer by layer (Keras's get_weights).</summary>
    public float[][] GetWeights()
    {
        using var held = _gate.EnterScope();
        return _parameters.Select(p => p.Value.Span.ToArray()).ToArray();
    }

    /// <summary>Replaces every parameter's values (Keras's set_weights); shapes must match.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SetWeights(IReadOnlyList<float[]> weights)
    {
        using var held = _gate.EnterScope();
        if (weights.Count != _parameters.Count)
            throw new ArgumentException($"Model '{Name}' has {_parameters.Count} weight tensors, received {weights.Count}.");
        for (int i = 0; i < weights.Count; i++)
        {
            if (weights[i].Length != _parameters[i].Value.Length)
                throw new ArgumentException($"Weight {i} ({_parameters[i].Name}) of model '{Name}' has {_parameters[i].Value.Length} values, received {weights[i].Length}.");
            weights[i].CopyTo(_parameters[i].Value.Span);
        }
    }

    /// <summary>
    /// Holds the model's lock for the caller's scope: what reads or writes the model from outside (its file
    /// in <c>Tailor.Serialization</c>) runs under the same lock as Fit and Predict.
    /// </summary>
    internal Lock.Scope EnterLock() => _gate.EnterScope();

    /// <summary>Keras's summary table: layer (type), output shape, parameter count, totals.</summary>
    public string Summary() => ModelSummary.Format(this);

    private void RequireCompiled()
    {
        if (Optimizer == null || Loss == null)
            throw new InvalidOperationException($"Model '{Name}' must be compiled before training or evaluation. Call `model.Compile(optimizer, loss, metrics)`.");
    }

    private void EnsureBuilt(Tensor x)
    {
        if (!IsBuilt)
        {
            if (x.Rank < 2) throw new ArgumentException($"Model '{Name}' expects a batch of samples, received x of shape {x.ShapeString}.");
            Build(x.Shape[1..].ToArray());
        }
    }

    private void CheckInputs(Tensor x, string what)
    {
        var shape = x.Shape;
        bool ok = shape.Length == _inputShape!.Length + 1 && shape[1..].SequenceEqual(_inputShape);
        if (!ok)
            throw new ArgumentException(
                $"{_layers[0].Describe()} expects {what} of shape {Layer.FormatBatchShape(_inputShape)}, received {x.ShapeString}.");
    }

    private void CheckData(Tensor x, Tensor y, string xName, string yName)
    {
        CheckInputs(x, xName);
        if (y.Rank == 0 || y.Dim(0) != x.Dim(0))
            throw new ArgumentException($"{xName} and {yName} must hold the same number of samples: {xName} has {x.Dim(0)} ({x.ShapeString}), {yName} has {(y.Rank == 0 ? 0 : y.Dim(0))} ({y.ShapeString}).");
        int outputs = OutputLength, expected = Loss!.TargetLength(outputs);
        if (y.ItemLength != expected)
        {
            string hint = Loss is SparseCategoricalCrossentropy
                ? "Pass class indices, one per sample."
                : $"Pass one-hot targets of shape (N, {outputs}), e.g. with ToCategorical(labels, {outputs}).";
            throw new ArgumentException(
                $"{Loss.Name} expects {yName} with {expected} values per sample to match the output of {_layers[^1].Describe()} " +
                $"(shape {Layer.FormatBatchShape(_layers[^1].OutputShape)}), received {yName} of shape {y.ShapeString}. {hint}");
        }
    }

    private (Tensor X, Tensor Y) GatherBatch(Tensor x, Tensor y, int[] order, int start, int count)
    {
        var xb = Layer.Ensure(ref _xBatch, count, x.Shape[1..]);
        var yb = Layer.Ensure(ref _yBatch, count, y.Shape[1..]);
        _gather.Run(x, y, order, start, count, xb, yb);
        return (xb, yb);
    }

    private (Tensor X, Tensor Y) CopyBatch(Tensor x, Tensor? y, int start, int count)
    {
        var xb = Layer.Ensure(ref _xBatch, count, x.Shape[1..]);
        x.Buffer.AsSpan(start * x.ItemLength, count * x.ItemLength).CopyTo(xb.Buffer);
        if (y == null) return (xb, xb);
        var yb = Layer.Ensure(ref _yBatch, count, y.Shape[1..]);
        y.Buffer.AsSpan(start * y.ItemLength, count * y.ItemLength).CopyTo(yb.Buffer);
        return (xb, yb);
    }

    private static Tensor Ensure(ref Tensor? buffer, int batch, int item) => Layer.Ensure(ref buffer, batch, [item]);
}
