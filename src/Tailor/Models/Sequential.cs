using System.Runtime.CompilerServices;
using System.Diagnostics;
using Tailor.Augmentation;
using Tailor.Common;
using Tailor.Layers;
using Tailor.Layers.Core;
using Tailor.Losses;
using Tailor.Metrics;
using Tailor.Models.Training;
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
/// use every core for one call. Two models run in parallel. A callback of <c>Fit</c> runs under
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
    private readonly Metric[] _noMetrics = [];

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
    /// <summary>The compiled metrics; a trainer tracks fresh copies of them.</summary>
    public IReadOnlyList<Metric> Metrics { get; private set; } = [];

    /// <summary>Set by a callback to end <c>Fit</c> after the current epoch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>The random stream of the current or last Fit (shuffles, dropout); saved by checkpoints.</summary>
    public Rng? TrainingRng { get; private set; }

    private volatile bool _interruptRequested;

    internal bool InterruptRequested => _interruptRequested;

    /// <summary>
    /// Whether the workers of a data-parallel step agreed, in the step's exchange, to stop after it (any of them
    /// had been asked to); null when the step exchanges nothing. Fit obeys it rather than this process's own
    /// request, which may come after the exchange on one worker and before it on another: all stop at one step.
    /// </summary>
    internal bool? AgreedInterrupt { get; set; }

    /// <summary>Whether Fit stops after the current step: the workers' agreement when there is one, else this process's request.</summary>
    internal bool StopsAfterStep => AgreedInterrupt ?? _interruptRequested;

    internal void ClearInterrupt()
    {
        _interruptRequested = false;
        AgreedInterrupt = null;
    }

    /// <summary>
    /// Asks a running <c>Fit</c> to stop after the batch in progress (safe from a signal handler).
    /// Fit then returns early with <see cref="Interruption"/> saying where it stopped, so the run can be
    /// checkpointed and resumed exactly.
    /// </summary>
    public void RequestInterrupt() => _interruptRequested = true;

    /// <summary>Where the last Fit stopped when interrupted, as the state that resumes it (null when it ran to the end or stopped by a callback).</summary>
    public TrainingState? Interruption { get; internal set; }

    /// <summary>
    /// Starts the training streams of a Fit: continued from <paramref name="resumed"/> (a checkpoint's), or
    /// split anew from <paramref name="seed"/> (the model's seed + 1 when null), one per layer.
    /// </summary>
    internal Rng StartTrainingStreams(TrainingRngState? resumed, ulong? seed)
    {
        if (resumed != null)
        {
            TrainingRng = Rng.FromState(resumed.Shuffle);
            foreach (var layer in _layers)
                if (layer.Name != null && resumed.Layers.TryGetValue(layer.Name, out var state)) layer.RestoreTrainingRng(Rng.FromState(state));
        }
        else
        {
            TrainingRng = new Rng(seed ?? Seed + 1);
            foreach (var layer in _layers) layer.SetTrainingRng(TrainingRng.Split());
        }
        return TrainingRng;
    }

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
    public void Compile(Optimizer optimizer, Loss loss, params string[] metrics) =>
        Compile(optimizer, loss, metrics.Select(Metric.Parse));

    /// <summary>Compiles with metric objects (Keras's <c>metrics=[keras.metrics.Accuracy()]</c>); a name given twice counts once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Compile(Optimizer optimizer, Loss loss, IEnumerable<Metric> metrics)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(metrics);
        var distinct = new List<Metric>();
        foreach (var m in metrics)
        {
            ArgumentNullException.ThrowIfNull(m, nameof(metrics));
            if (!distinct.Any(d => d.Name == m.Name)) distinct.Add(m);
        }
        using var held = _gate.EnterScope();
        Optimizer = optimizer;
        Loss = loss;
        Metrics = distinct;
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
    /// Keras's fit: shuffled batches, validation at each epoch's end, callbacks at each boundary, run by a
    /// <see cref="Trainer"/> (which a program can also create itself, to replace the train step).
    /// <paramref name="augmentation"/>, when given, transforms each training batch (a copy; never
    /// <paramref name="x"/> nor the validation data), drawing one key per batch from the training stream.
    /// <paramref name="resume"/>, a checkpoint's state, goes on exactly where that run stopped;
    /// <paramref name="progress"/> hears of every batch and epoch. Thread-safe: concurrent calls on one model
    /// run one after another (a Predict from another thread waits for the whole Fit). Cancelling
    /// <paramref name="cancellationToken"/> stops training after the batch in progress, as
    /// <see cref="RequestInterrupt"/> does: Fit returns the History so far and <see cref="Interruption"/>
    /// holds the state that resumes it exactly. <paramref name="shards"/>, when given, cuts every batch into that
    /// many fixed shards whose gradients are added in shard order (<see cref="ShardedGradient"/>), computed here or
    /// shared by the workers of <paramref name="shardTransport"/> (MPI ranks): the result depends on the shards only.
    /// </summary>
    public History Fit(Tensor x, Tensor y, int epochs = 1, int batchSize = 32,
        (Tensor X, Tensor Y)? validationData = null, double validationSplit = 0, bool shuffle = true,
        IReadOnlyList<Callback>? callbacks = null, ulong? seed = null, int verbose = 1, int initialEpoch = 0,
        TrainingState? resume = null, AugmentationPipeline? augmentation = null,
        IProgress<TrainingProgress>? progress = null, float[]? sampleWeight = null, IReadOnlyDictionary<int, float>? classWeight = null,
        CancellationToken cancellationToken = default, int? shards = null, ShardTransport? shardTransport = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
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
            // Keras splits the sample weights with the samples; the validation loss is unweighted.
            if (sampleWeight != null && sampleWeight.Length == x.Dim(0) + validationData.Value.X.Dim(0)) sampleWeight = sampleWeight[..splitAt];
        }
        if (validationData is var (vx, vy)) CheckData(vx, vy, "validation x", "validation y");
        if (x.Dim(0) == 0) throw new ArgumentException("Fit received no training samples.");
        var options = new FitOptions
        {
            Epochs = epochs, BatchSize = batchSize, Shuffle = shuffle, Callbacks = callbacks ?? [], Seed = seed, Verbose = verbose,
            InitialEpoch = initialEpoch, Resume = resume, Augmentation = augmentation, Progress = progress,
            SampleWeights = sampleWeight, ClassWeights = classWeight,
            Validation = validationData is var (valX, valY) ? new TensorBatchSource(valX, valY) : null,
        };
        return new Trainer(this) { GradientStep = StepFor(shards, shardTransport, batchSize) }.Fit(new TensorBatchSource(x, y), options, cancellationToken);
    }

    /// <summary>
    /// Fit on samples from a <see cref="BatchSource"/>, as Keras's fit on a tf.data dataset: an image folder read
    /// from disk batch by batch, or a user's own source. The same seed draws the same batches in the same
    /// order from any source, so a streamed folder trains bit for bit as the same images in memory.
    /// <paramref name="shards"/> and <paramref name="shardTransport"/> as in the other overload.
    /// </summary>
    public History Fit(BatchSource x, int epochs = 1, int batchSize = 32, BatchSource? validationData = null, bool shuffle = true,
        IReadOnlyList<Callback>? callbacks = null, ulong? seed = null, int verbose = 1, int initialEpoch = 0,
        TrainingState? resume = null, AugmentationPipeline? augmentation = null,
        IProgress<TrainingProgress>? progress = null, float[]? sampleWeight = null, IReadOnlyDictionary<int, float>? classWeight = null,
        CancellationToken cancellationToken = default, int? shards = null, ShardTransport? shardTransport = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        var options = new FitOptions
        {
            Epochs = epochs, BatchSize = batchSize, Shuffle = shuffle, Callbacks = callbacks ?? [], Seed = seed, Verbose = verbose,
            InitialEpoch = initialEpoch, Resume = resume, Augmentation = augmentation, Progress = progress,
            SampleWeights = sampleWeight, ClassWeights = classWeight, Validation = validationData,
        };
        return new Trainer(this) { GradientStep = StepFor(shards, shardTransport, batchSize) }.Fit(x, options, cancellationToken);
    }

    /// <summary>The gradient step of a Fit: the whole batch, or <paramref name="shards"/> fixed shards (1 to the batch size).</summary>
    private static GradientStep StepFor(int? shards, ShardTransport? transport, int batchSize)
    {
        if (shards is not int s)
        {
            if (transport != null) throw new ArgumentException("shard_transport was given without shards: give the number of shards each batch is cut into.");
            return new WholeBatchGradient();
        }
        if (s < 1 || s > batchSize)
            throw new ArgumentOutOfRangeException(nameof(shards), $"Received an invalid value for `shards`, expected a number from 1 to batch_size={batchSize}. Received: shards={s}");
        return new ShardedGradient(s, transport);
    }

    /// <summary>
    /// One batch forward and backward: fills every parameter's gradient and returns the loss (penalties included).
    /// Thread-safe: concurrent calls on one model run one after another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float ComputeGradients(Tensor x, Tensor y) => ComputeGradients(x, y, _noMetrics);

    /// <summary>
    /// <see cref="ComputeGradients(Tensor, Tensor)"/>, adding the batch to <paramref name="metrics"/> from the
    /// same forward pass (what a train step needs). Thread-safe as it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float ComputeGradients(Tensor x, Tensor y, IReadOnlyList<Metric> metrics) => ComputeGradients(x, y, default, metrics);

    /// <summary>
    /// <see cref="ComputeGradients(Tensor, Tensor, IReadOnlyList{Metric})"/> of the loss weighted per sample by
    /// <paramref name="sampleWeights"/> (one per row of <paramref name="x"/>; empty for none), as Keras's
    /// sample_weight; the metrics stay unweighted, as Keras's compile metrics. Thread-safe as it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float ComputeGradients(Tensor x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        using var held = _gate.EnterScope();
        RequireCompiled();
        EnsureBuilt(x);
        CheckData(x, y, "x", "y");
        if (!sampleWeights.IsEmpty && sampleWeights.Length != x.Dim(0))
            throw new ArgumentException($"sample_weight holds {sampleWeights.Length} values for a batch of {x.Dim(0)} samples.");
        return ComputeGradientsOnBatch(x, y, sampleWeights, metrics);
    }

    /// <summary>One optimizer step on one batch; returns the loss before the step. Thread-safe: concurrent calls on one model run one after another.</summary>
    public float TrainOnBatch(Tensor x, Tensor y)
    {
        using var held = _gate.EnterScope();
        float loss = ComputeGradients(x, y);
        Optimizer!.Apply(_parameters);
        return loss;
    }

    /// <summary>What a data-parallel step checks before its first shard: compiled, built for <paramref name="x"/>, targets that fit.</summary>
    internal void PrepareBatch(Tensor x, Tensor y)
    {
        using var held = _gate.EnterScope();
        RequireCompiled();
        EnsureBuilt(x);
        CheckData(x, y, "x", "y");
    }

    /// <summary>
    /// One shard of a data-parallel step: forward and backward on <paramref name="x"/> alone, each parameter's
    /// gradient filled with the shard's mean-loss gradient times <paramref name="share"/> (its rows over the
    /// global batch's, applied to the loss gradient, exactly nothing when 1), no regularization penalty; the shard
    /// added to <paramref name="metrics"/>. Returns the shard's mean loss.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal float ComputeShardGradients(Tensor x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics, float share)
    {
        using var held = _gate.EnterScope();
        return ForwardBackward(x, y, sampleWeights, metrics, share);
    }

    /// <summary>
    /// Forward, loss and backward of one batch, the loss gradient scaled by <paramref name="share"/> (left as it
    /// is at 1), the batch added to <paramref name="metrics"/>; no regularization. Returns the batch's mean loss.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float ForwardBackward(Tensor x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics, float share)
    {
        int batch = x.Dim(0), outputs = OutputLength;
        var prediction = ForwardAll(x, training: true);
        var gradient = Ensure(ref _lossGradient, batch, outputs);
        float loss;
        if (_layers[^1] is ActivatedLayer { GradientIsPreActivation: true })
        {
            loss = Loss!.Compute(prediction.Span, y.Span, sampleWeights, batch, outputs, default);
            Loss.PreActivationGradient(prediction.Span, y.Span, sampleWeights, batch, outputs, gradient.Span);
        }
        else loss = Loss!.Compute(prediction.Span, y.Span, sampleWeights, batch, outputs, gradient.Span);
        if (share != 1) System.Numerics.Tensors.TensorPrimitives.Multiply(gradient.Span, share, gradient.Span);
        for (int i = 0; i < metrics.Count; i++) metrics[i].Update(Loss, prediction.Span, y.Span, batch, outputs);
        Tensor? upstream = gradient;
        for (int i = _layers.Count - 1; i >= 0 && upstream != null; i--) upstream = _layers[i].Backward(upstream);
        return loss;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float ComputeGradientsOnBatch(Tensor x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics)
    {
        float loss = ForwardBackward(x, y, sampleWeights, metrics, share: 1);
        foreach (var p in _parameters)
        {
            if (p.Regularizer == null) continue;
            loss += p.Regularizer.Penalty(p.Value.Span);
            p.Regularizer.AddGradient(p.Value.Span, p.Gradient.Span);
        }
        return loss;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Tensor ForwardAll(Tensor x, bool training)
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
    public Evaluation Evaluate(Tensor x, Tensor y, int batchSize = 32, CancellationToken cancellationToken = default) =>
        Evaluate(x, y, null, batchSize, cancellationToken);

    /// <summary>
    /// <see cref="Evaluate(Tensor, Tensor, int, CancellationToken)"/> with Keras's sample_weight: the loss is
    /// the weighted sum over the samples divided by their number (accuracy stays unweighted, as compiled metrics).
    /// </summary>
    public Evaluation Evaluate(Tensor x, Tensor y, float[]? sampleWeight, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        using var held = _gate.EnterScope();
        RequireCompiled();
        EnsureBuilt(x);
        CheckData(x, y, "x", "y");
        return EvaluateCore(new TensorBatchSource(x, y), sampleWeight, batchSize, cancellationToken);
    }

    /// <summary>
    /// Mean loss (penalties included) and accuracy over the samples of <paramref name="data"/> in their order,
    /// <paramref name="batchSize"/> at a time: a streamed source reads ahead as it goes. Thread-safe as
    /// <see cref="Evaluate(Tensor, Tensor, int, CancellationToken)"/>.
    /// </summary>
    public Evaluation Evaluate(BatchSource data, int batchSize = 32, float[]? sampleWeight = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var held = _gate.EnterScope();
        RequireCompiled();
        EnsureBuilt(data.InputShape);
        CheckSource(data, "x", "y");
        return EvaluateCore(data, sampleWeight, batchSize, cancellationToken);
    }

    private int[] _evaluationOrder = [];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Evaluation EvaluateCore(BatchSource data, float[]? sampleWeight, int batchSize, CancellationToken cancellationToken)
    {
        Guard.Positive(batchSize, "batch_size");
        int samples = data.Count, outputs = OutputLength;
        if (samples == 0) throw new ArgumentException("Evaluate received no samples.");
        if (sampleWeight != null && sampleWeight.Length != samples)
            throw new ArgumentException($"sample_weight holds {sampleWeight.Length} weights for {samples} samples.");
        // Kept from one evaluation to the next: evaluating allocates only its result.
        if (_evaluationOrder.Length != samples) _evaluationOrder = [.. Enumerable.Range(0, samples)];
        int[] order = _evaluationOrder;
        double lossSum = 0;
        long correct = 0;
        data.BeginPass(order, 0, batchSize);
        try
        {
            for (int start = 0; start < samples; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(batchSize, samples - start);
                var (xb, yb) = BatchBuffers(count, data);
                data.Gather(order, start, count, xb, yb);
                var prediction = ForwardAll(xb, training: false);
                var weights = sampleWeight == null ? default : sampleWeight.AsSpan(start, count);
                lossSum += (double)Loss!.Compute(prediction.Span, yb.Span, weights, count, outputs, default) * count;
                correct += Accuracy.CountCorrect(Loss, prediction.Span, yb.Span, count, outputs);
            }
        }
        finally { data.EndPass(); }
        return new Evaluation(lossSum / samples + Penalty(), (double)correct / (samples * Accuracy.CountPerSample(Loss!, outputs)));
    }

    /// <summary>The regularization penalty of the weights as they are, summed over the parameters in order.</summary>
    internal double Penalty()
    {
        double penalty = 0;
        foreach (var p in _parameters) if (p.Regularizer != null) penalty += p.Regularizer.Penalty(p.Value.Span);
        return penalty;
    }

    /// <summary>One batch in inference mode: its mean loss (no penalty), and the batch added to <paramref name="metrics"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal double InferenceLoss(Tensor x, Tensor y, IReadOnlyList<Metric> metrics)
    {
        int count = x.Dim(0), outputs = OutputLength;
        var prediction = ForwardAll(x, training: false);
        for (int i = 0; i < metrics.Count; i++) metrics[i].Update(Loss!, prediction.Span, y.Span, count, outputs);
        return Loss!.Compute(prediction.Span, y.Span, count, outputs, default);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RequireCompiled()
    {
        if (Optimizer == null || Loss == null)
            throw new InvalidOperationException($"Model '{Name}' must be compiled before training or evaluation. Call `model.Compile(optimizer, loss, metrics)`.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EnsureBuilt(Tensor x)
    {
        if (!IsBuilt)
        {
            if (x.Rank < 2) throw new ArgumentException($"Model '{Name}' expects a batch of samples, received x of shape {x.ShapeString}.");
            Build(x.Shape[1..].ToArray());
        }
    }

    /// <summary>Builds the model for samples of <paramref name="inputShape"/> unless it is built.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void EnsureBuilt(int[] inputShape)
    {
        if (!IsBuilt) Build(inputShape);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckInputs(Tensor x, string what) => CheckInputs(x.Shape, what);

    /// <summary>Refuses inputs of <paramref name="shape"/> (the batch's, samples first) that the first layer does not take.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckInputs(ReadOnlySpan<int> shape, string what)
    {
        bool ok = shape.Length == _inputShape!.Length + 1 && shape[1..].SequenceEqual(_inputShape);
        if (!ok)
            throw new ArgumentException(
                $"{_layers[0].Describe()} expects {what} of shape {Layer.FormatBatchShape(_inputShape)}, received {Tensor.Format(shape)}.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckData(Tensor x, Tensor y, string xName, string yName)
    {
        CheckInputs(x, xName);
        if (y.Rank == 0 || y.Dim(0) != x.Dim(0))
            throw new ArgumentException($"{xName} and {yName} must hold the same number of samples: {xName} has {x.Dim(0)} ({x.ShapeString}), {yName} has {(y.Rank == 0 ? 0 : y.Dim(0))} ({y.ShapeString}).");
        CheckTargets(y.Shape, yName);
    }

    /// <summary>Refuses a source whose samples the model does not take or whose targets the loss does not.</summary>
    internal void CheckSource(BatchSource source, string xName, string yName)
    {
        CheckInputs([source.Count, .. source.InputShape], xName);
        CheckTargets([source.Count, .. source.TargetShape], yName);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckTargets(ReadOnlySpan<int> yShape, string yName)
    {
        int outputs = OutputLength, expected = Loss!.TargetLength(outputs);
        if (Tensor.SizeOf(yShape[1..]) != expected)
        {
            string hint = Loss is SparseCategoricalCrossentropy
                ? "Pass class indices, one per sample."
                : $"Pass one-hot targets of shape (N, {outputs}), e.g. with ToCategorical(labels, {outputs}).";
            throw new ArgumentException(
                $"{Loss.Name} expects {yName} with {expected} values per sample to match the output of {_layers[^1].Describe()} " +
                $"(shape {Layer.FormatBatchShape(_layers[^1].OutputShape)}), received {yName} of shape {Tensor.Format(yShape)}. {hint}");
        }
    }

    /// <summary>The model's batch buffers, shaped for <paramref name="count"/> samples of <paramref name="source"/>: reused, so that a step allocates nothing.</summary>
    internal (Tensor X, Tensor Y) BatchBuffers(int count, BatchSource source) =>
        (Layer.Ensure(ref _xBatch, count, source.InputShape), Layer.Ensure(ref _yBatch, count, source.TargetShape));

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
