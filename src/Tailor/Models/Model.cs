using System.Runtime.CompilerServices;
using System.Diagnostics;
using Tailor.Augmentation;
using Tailor.Common;
using Tailor.Layers;
using Tailor.Layers.Convolutional;
using Tailor.Layers.Core;
using Tailor.Layers.Pooling;
using Tailor.Losses;
using Tailor.Metrics;
using Tailor.Models.Training;
using Tailor.Optimizers;
using Tailor.Tensors;

namespace Tailor.Models;

/// <summary>
/// A graph of layers with Keras's workflow: Compile, Fit, Evaluate, Predict, Summary. Built as Keras's
/// functional API builds it (<c>new Model(inputs, outputs)</c> over <see cref="Input"/>s and layer calls: several
/// inputs or outputs, shared layers, merges), or by <see cref="Sequential"/>, its linear case. The same
/// <see cref="Seed"/> gives the same initial weights, and Fit's seed the same shuffles and dropout masks, so a
/// run repeats bit for bit.
/// </summary>
/// <remarks>
/// Thread-safe: the layers keep each batch's activations in buffers of their own, so every method that
/// runs them, builds the model or changes its weights holds one lock per model. Concurrent calls on
/// one model run one after another, each with exactly the result it gets alone; the kernels already
/// use every core for one call. Two models run in parallel. A callback of <c>Fit</c> runs under
/// the lock: it may call the model itself, but must not wait for another thread that does.
/// </remarks>
public class Model
{
    /// <summary>Held by every call that runs the layers (their buffers are per model, not per call) or changes the model.</summary>
    private readonly Lock _gate = new();
    /// <summary>The model's layers, each once, in the order they first run.</summary>
    private protected readonly List<Layer> _layers = [];
    private readonly List<Parameter> _parameters = [];
    /// <summary>The graph once built: the calls in running order, the shape of each model input, the output slots.</summary>
    private CallNode[] _nodes = [];
    private int[][]? _inputShapes;
    private int[] _outputSlots = [];
    /// <summary>Each slot's value in the pass in progress (inputs first, then one per call), its gradient, and an owned sum for a value read twice.</summary>
    private Tensor[] _values = [];
    private Tensor?[] _gradients = [], _gradientSums = [];
    private int[][] _slotShapes = [];
    /// <summary>Whether the calls that read only model inputs compute their input gradients (a model used as a layer needs them).</summary>
    private bool _inputGradients;
    private Tensor? _xBatch, _yBatch, _lossGradient;
    private readonly Metric[] _noMetrics = [];

    private protected Model(string name, ulong seed)
    {
        Name = name;
        Seed = seed;
    }

    /// <summary>A functional model of one input and one output: <c>new Model(inputs, outputs)</c>.</summary>
    public Model(Input inputs, SymbolicTensor outputs, string name = "model", ulong seed = 0) : this([inputs], [outputs], name, seed) { }

    /// <summary>
    /// Keras's <c>keras.Model(inputs, outputs)</c>: the graph of layer calls from <paramref name="inputs"/> to
    /// <paramref name="outputs"/>, built at once (weights drawn from <paramref name="seed"/>, layers in the order they run).
    /// A layer called twice is shared: one set of weights, whose gradient adds both calls'. Refuses, in one line,
    /// an output that the inputs do not reach, an input no output uses, and a layer already in another model.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Model(IReadOnlyList<Input> inputs, IReadOnlyList<SymbolicTensor> outputs, string name = "model", ulong seed = 0)
        : this(inputs, outputs, name, seed, long.MaxValue) { }

    /// <summary>The functional model, its layers' outputs held to <paramref name="activationBudget"/> values per sample while it builds (a loader's limit).</summary>
    internal Model(IReadOnlyList<Input> inputs, IReadOnlyList<SymbolicTensor> outputs, string name, ulong seed, long activationBudget) : this(name, seed)
    {
        ActivationBudget = activationBudget;
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var graph = FunctionalGraph.Create(this, inputs, outputs);
        Graph = graph;
        foreach (var layer in graph.Layers) _layers.Add(layer);
        try { BuildGraph(graph.Nodes, [.. inputs.Select(i => i.Shape.ToArray())], graph.OutputSlots); }
        finally { ActivationBudget = long.MaxValue; }
    }

    /// <summary>The functional graph the model was made from; null for a <see cref="Sequential"/>.</summary>
    internal FunctionalGraph? Graph { get; }

    public string Name { get; }

    /// <summary>Seeds the initial weights.</summary>
    public ulong Seed { get; }

    public IReadOnlyList<Layer> Layers => _layers;

    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The per-sample shape of the (first) input.</summary>
    public ReadOnlySpan<int> InputShape => _inputShapes == null ? default : _inputShapes[0];

    /// <summary>The per-sample shape of each input, known once built.</summary>
    public IReadOnlyList<int[]> InputShapes => _inputShapes ?? [];

    /// <summary>The per-sample shape of each output, known once built.</summary>
    public IReadOnlyList<int[]> OutputShapes => [.. _outputSlots.Select(slot => _slotShapes[slot])];

    public bool IsBuilt => _inputShapes != null;

    /// <summary>The calls in running order (a shared layer's later calls run on twins that share its weights).</summary>
    internal IReadOnlyList<CallNode> Nodes => _nodes;

    /// <summary>The slots of the outputs, in the model's order.</summary>
    internal IReadOnlyList<int> OutputSlots => _outputSlots;

    /// <summary>Every layer object that runs: the model's layers, then the twins of shared layers, in running order.</summary>
    internal IReadOnlyList<Layer> RunningLayers => _running;

    private Layer[] _running = [];

    /// <summary>The key a checkpoint keeps a running layer's random stream under: a twin's is its layer's name and call number.</summary>
    private IEnumerable<(string? Key, Layer Layer)> StreamKeys()
    {
        foreach (var layer in _layers) yield return (layer.Name, layer);
        var calls = new Dictionary<Layer, int>(ReferenceEqualityComparer.Instance);
        foreach (var node in _nodes.Where(n => n.IsTwin))
        {
            int call = calls[node.Primary] = calls.GetValueOrDefault(node.Primary, 0) + 1;
            yield return ($"{node.Primary.Name}#{call}", node.Layer);
        }
    }

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
            foreach (var (key, layer) in StreamKeys())
                if (key != null && resumed.Layers.TryGetValue(key, out var state)) layer.RestoreTrainingRng(Rng.FromState(state));
        }
        else
        {
            TrainingRng = new Rng(seed ?? Seed + 1);
            foreach (var (_, layer) in StreamKeys()) layer.SetTrainingRng(TrainingRng.Split());
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
        foreach (var (key, layer) in StreamKeys())
            if (key != null && layer.TrainingRngForCheckpoint is { } r) layers[key] = r.GetState();
        return new TrainingRngState(TrainingRng.GetState(), layers);
    }

    public long ParameterCount => _layers.Sum(l => l.ParameterCount);

    /// <summary>The values the layers' outputs hold for one sample, summed over the layers (known once built): what a batch costs per sample.</summary>
    public long ActivationValues { get; private set; }

    /// <summary>
    /// The most values building lets the layers' outputs hold for one sample: a loader lowers it so
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

    /// <summary>The values per sample on the last axis of the (first) output: what the loss compares with a target.</summary>
    public int OutputLength => OutputLayer.OutputShape[^1];

    /// <summary>The layer object whose call gives the (first) output.</summary>
    internal Layer OutputLayer => NodeWriting(_outputSlots[0])!.Layer;

    /// <summary>The call that writes <paramref name="slot"/>; null for a model input.</summary>
    private CallNode? NodeWriting(int slot) => slot < _inputShapes!.Length ? null : _nodes[slot - _inputShapes.Length];

    /// <summary>
    /// Null when the model's outputs are probabilities over <paramref name="classes"/> classes: one value per
    /// class, from a softmax (Dropout after it changes nothing at inference). Otherwise why not, naming the
    /// layer, so that a caller can refuse to print "30,376.59 %" or a class name the model has no output for.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string? WhyNotClassProbabilities(int classes)
    {
        if (!IsBuilt) return $"model '{Name}' is not built";
        if (_outputSlots.Length != 1) return $"model '{Name}' has {_outputSlots.Length} outputs";
        var output = OutputLayer.OutputShape;
        if (output.Length != 1 || output[0] != classes)
            return $"the model's output is {Layer.FormatBatchShape(output)}, not one value for each of the {classes} classes";
        var node = NodeWriting(_outputSlots[0])!;
        while (node.Layer is Layers.Regularization.Dropout && NodeWriting(node.Inputs[0]) is { } before) node = before;
        var last = node.Primary;
        return last is ActivatedLayer { Activation: Kernels.Activation.Softmax } ? null
            : $"its last layer, {last.Describe()}, has {(last is ActivatedLayer a ? $"a {Kernels.Activations.KerasName(a.Activation)}" : "no")} activation rather than softmax, so its outputs are not class probabilities";
    }

    /// <summary>
    /// Builds every call of <paramref name="nodes"/> (in running order) for inputs of <paramref name="inputShapes"/>,
    /// drawing the weights from <see cref="Seed"/> in that order; a twin shares its layer's weights and draws none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected void BuildGraph(CallNode[] nodes, int[][] inputShapes, int[] outputSlots)
    {
        var rng = new Rng(Seed);
        int slots = inputShapes.Length + nodes.Length;
        var shapes = new int[slots][];
        for (int i = 0; i < inputShapes.Length; i++) shapes[i] = inputShapes[i];
        long activations = 0;
        foreach (var node in nodes)
        {
            var layer = node.Layer;
            int[][] inputs = [.. node.Inputs.Select(slot => shapes[slot])];
            // A twin's own draws are thrown away: it takes its layer's weights.
            var draws = node.IsTwin ? new Rng(0) : rng;
            if (layer is MultiInputLayer merge) merge.Build(inputs, draws);
            else layer.Build(inputs[0], draws);
            if (node.IsTwin) layer.ShareWeightsOf(node.Primary);
            shapes[node.Output] = layer.OutputShape.ToArray();
            activations = Math.Min(activations + ValuesOf(layer.OutputShape), long.MaxValue / 2);
            if (activations > ActivationBudget)
                throw new ArgumentException(
                    $"{layer.Describe()} outputs {Layer.FormatBatchShape(layer.OutputShape)}, which brings the layers' outputs for one sample to more than {ActivationBudget:N0} values.");
        }
        ActivationValues = activations;
        _parameters.Clear();
        foreach (var layer in _layers) _parameters.AddRange(layer.Parameters);
        _nodes = nodes;
        _running = [.. _layers.Concat(nodes.Where(n => n.IsTwin).Select(n => n.Layer))];
        _slotShapes = shapes;
        _outputSlots = outputSlots;
        _values = new Tensor[slots];
        _gradients = new Tensor?[slots];
        _gradientSums = new Tensor?[slots];
        _inputShapes = [.. inputShapes.Select(s => (int[])s.Clone())];
        SetInputGradients(_inputGradients);
        ConfigureFusedOutput();
        _poolsNext = [.. nodes.Select((node, n) => n + 1 < nodes.Length && node.Layer is Convolution && nodes[n + 1].Layer is MaxPooling2D
            && nodes[n + 1].Inputs.SequenceEqual([node.Output]) && !outputSlots.Contains(node.Output)
            && nodes.Count(other => other.Inputs.Contains(node.Output)) == 1)];
    }

    /// <summary>
    /// Per call: a convolution whose output only the max pooling right after it reads, so that a pass may run the two as one
    /// (<see cref="RunInference"/>, and training where the convolution then routes the pooling's gradient itself).
    /// </summary>
    private bool[] _poolsNext = [];

    /// <summary>Per call, whether a pass may run it with the max pooling after it as one (where the kernels allow).</summary>
    internal IReadOnlyList<bool> PoolsNext => _poolsNext;

    /// <summary>
    /// Whether the calls that read only model inputs compute their input gradients: not for a model trained alone
    /// (nobody needs them), but for one used as a layer, whose callers need dL/d(its inputs).
    /// </summary>
    internal void SetInputGradients(bool needed)
    {
        _inputGradients = needed;
        int inputs = _inputShapes?.Length ?? 0;
        foreach (var node in _nodes) node.Layer.ComputeInputGradient = needed || node.Inputs.Any(slot => slot >= inputs);
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
        foreach (var layer in RunningLayers.OfType<ActivatedLayer>()) layer.GradientIsPreActivation = false;
        // The output's value must reach no other call: that one would need dL/dy, not dL/dz.
        if (_nodes.Length > 0 && _outputSlots.Length == 1 && OutputLayer is ActivatedLayer last && Loss != null && Loss.FusesWith(last.Activation)
            && !_nodes.Any(n => n.Inputs.Contains(_outputSlots[0])))
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

    /// <summary>
    /// <see cref="ComputeGradients(Tensor, Tensor)"/> for a model of several inputs: <paramref name="inputs"/> holds one
    /// batch per model input, in the order of the model's inputs. Thread-safe as it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float ComputeGradients(IReadOnlyList<Tensor> inputs, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(y);
        using var held = _gate.EnterScope();
        RequireCompiled();
        int samples = CheckInputList(inputs, "inputs");
        if (y.Rank == 0 || y.Dim(0) != samples)
            throw new ArgumentException($"inputs and y must hold the same number of samples: the inputs have {samples}, y has {(y.Rank == 0 ? 0 : y.Dim(0))} ({y.ShapeString}).");
        CheckTargets(y.Shape, "y");
        for (int i = 0; i < inputs.Count; i++) _values[i] = inputs[i];
        return ComputeGradientsOnBatch(null, y, default, _noMetrics);
    }

    /// <summary>
    /// The outputs for every sample of <paramref name="inputs"/> (one tensor per model input, in the order of the
    /// model's inputs), in inference mode: one new tensor per model output, as Keras's predict on a model of
    /// several inputs or outputs. Thread-safe as <see cref="Predict(Tensor, int, CancellationToken)"/>.
    /// </summary>
    public Tensor[] Predict(IReadOnlyList<Tensor> inputs, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        Guard.Positive(batchSize, "batch_size");
        using var held = _gate.EnterScope();
        int samples = CheckInputList(inputs, "inputs");
        var results = _outputSlots.Select(slot => new Tensor([samples, .. _slotShapes[slot]])).ToArray();
        if (_inputBatches.Length != inputs.Count) _inputBatches = new Tensor?[inputs.Count];
        for (int start = 0; start < samples; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, samples - start);
            for (int i = 0; i < inputs.Count; i++)
            {
                var batch = Layer.Ensure(ref _inputBatches[i], count, _inputShapes![i]);
                inputs[i].Span.Slice(start * inputs[i].ItemLength, count * inputs[i].ItemLength).CopyTo(batch.Span);
                _values[i] = batch;
            }
            RunForward(training: false);
            for (int o = 0; o < results.Length; o++)
            {
                int length = results[o].ItemLength;
                OutputValue(o).Span[..(count * length)].CopyTo(results[o].Span.Slice(start * length, count * length));
            }
        }
        return results;
    }

    private Tensor?[] _inputBatches = [];

    /// <summary>Refuses inputs that are not one batch per model input, each of its shape, all of one size; returns the size.</summary>
    private int CheckInputList(IReadOnlyList<Tensor> inputs, string what)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (!IsBuilt) throw new InvalidOperationException($"Model '{Name}' is not built.");
        if (inputs.Count != _inputShapes!.Length)
            throw new ArgumentException($"Model '{Name}' has {_inputShapes.Length} inputs, received {inputs.Count} tensors in {what}.");
        for (int i = 0; i < inputs.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(inputs[i], what);
            var shape = inputs[i].Shape;
            if (shape.Length != _inputShapes[i].Length + 1 || !shape[1..].SequenceEqual(_inputShapes[i]) || shape[0] != inputs[0].Dim(0))
                throw new ArgumentException(
                    $"Model '{Name}' input {i}{(Graph == null ? "" : $" ('{Graph.Inputs[i].Name}')")} expects {what} of shape {Layer.FormatBatchShape(_inputShapes[i])} with {inputs[0].Dim(0)} samples, received {inputs[i].ShapeString}.");
        }
        return inputs[0].Dim(0);
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
    /// <remarks>
    /// Takes no lock: the caller holds this model's (<see cref="EnterLock"/>) on the thread that waits for the shard,
    /// which may be computed on another of the kernels' threads (a stolen task), or owns a replica no one else sees.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal float ComputeShardGradients(Tensor x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics, float share) =>
        ForwardBackward(x, y, sampleWeights, metrics, share);

    /// <summary>
    /// Forward, loss and backward of one batch, the loss gradient scaled by <paramref name="share"/> (left as it
    /// is at 1), the batch added to <paramref name="metrics"/>; no regularization. Returns the batch's mean loss.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float ForwardBackward(Tensor? x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics, float share)
    {
        // Without x, the inputs are in their slots already (a model of several inputs).
        int batch = y.Dim(0), outputs = OutputLength;
        var prediction = x == null ? RunForward(training: true) : ForwardAll(x, training: true);
        var gradient = Ensure(ref _lossGradient, batch, outputs);
        float loss;
        if (OutputLayer is ActivatedLayer { GradientIsPreActivation: true })
        {
            loss = Loss!.Compute(prediction.Span, y.Span, sampleWeights, batch, outputs, default);
            Loss.PreActivationGradient(prediction.Span, y.Span, sampleWeights, batch, outputs, gradient.Span);
        }
        else loss = Loss!.Compute(prediction.Span, y.Span, sampleWeights, batch, outputs, gradient.Span);
        if (share != 1) System.Numerics.Tensors.TensorPrimitives.Multiply(gradient.Span, share, gradient.Span);
        for (int i = 0; i < metrics.Count; i++) metrics[i].Update(Loss, prediction.Span, y.Span, batch, outputs);
        RunBackward(gradient);
        return loss;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float ComputeGradientsOnBatch(Tensor? x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics)
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
        _values[0] = x;
        return RunForward(training);
    }

    /// <summary>
    /// Runs every call in order on the model inputs already in their slots; returns the (first) output, a layer's
    /// buffer. With <paramref name="poolInPlace"/> (<see cref="RunInference"/>), a convolution and the max pooling
    /// that alone reads it run as one where the kernel can; in training, where the convolution's backward pass will
    /// route the pooling's gradient (<see cref="Convolution.CanForwardThroughPoolInTraining"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Tensor RunForward(bool training, bool poolInPlace = false)
    {
        var values = _values;
        var nodes = _nodes;
        for (int n = 0; n < nodes.Length; n++)
        {
            var node = nodes[n];
            if (_poolsNext[n] && node.Layer is Convolution convolution && nodes[n + 1].Layer is MaxPooling2D pool)
            {
                if (poolInPlace && convolution.CanForwardPooled)
                {
                    values[nodes[++n].Output] = convolution.ForwardPooled(values[node.Inputs[0]], pool);
                    continue;
                }
                if (training && convolution.CanForwardThroughPoolInTraining(pool))
                {
                    values[nodes[++n].Output] = convolution.ForwardThroughPoolInTraining(values[node.Inputs[0]], pool);
                    continue;
                }
            }
            if (node.Layer is MultiInputLayer merge)
            {
                var arguments = node.Arguments;
                for (int i = 0; i < arguments.Length; i++) arguments[i] = values[node.Inputs[i]];
                values[node.Output] = merge.Forward(arguments, training);
            }
            else values[node.Output] = node.Layer.Forward(values[node.Inputs[0]], training);
        }
        return values[_outputSlots[0]];
    }

    /// <summary>
    /// <see cref="ForwardAll"/> in inference mode, for a pass that reads only the model's outputs (Predict,
    /// Evaluate): a convolution and the max pooling that alone reads it run as one where they can, each sample
    /// pooled while in cache (<see cref="Convolution.ForwardPooled"/>). The same bits; the convolution's own
    /// output is left as it was.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Tensor RunInference(Tensor x)
    {
        _values[0] = x;
        return RunForward(training: false, poolInPlace: true);
    }

    /// <summary>The value of output <paramref name="index"/> after <see cref="RunForward"/>.</summary>
    internal Tensor OutputValue(int index) => _values[_outputSlots[index]];

    /// <summary>Puts a batch of model input <paramref name="index"/> in its slot, for <see cref="RunForward"/>.</summary>
    internal void SetInputValue(int index, Tensor value) => _values[index] = value;

    /// <summary>
    /// Backward through every call in reverse order from dL/d(first output) of the last forward: each call's
    /// parameter gradients, and each value's gradient summed over the calls that read it (in that order). A shared
    /// layer's gradient is then its own call's plus its twins', in running order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void RunBackward(Tensor outputGradient)
    {
        var gradients = _gradients;
        Array.Clear(gradients);
        gradients[_outputSlots[0]] = outputGradient;
        for (int n = _nodes.Length - 1; n >= 0; n--)
        {
            var node = _nodes[n];
            var layer = node.Layer;
            if (gradients[node.Output] is not { } upstream)
            {
                // A call no loss reaches (another output's branch): its weights get no gradient.
                foreach (var p in layer.Parameters) p.Gradient.Span.Clear();
                continue;
            }
            if (n > 0 && _poolsNext[n - 1] && layer is MaxPooling2D pool && _nodes[n - 1].Layer is Convolution convolution
                && convolution.CanBackwardThroughPool(pool, upstream.Dim(0)))
            {
                // The convolution routes the pooling's gradient itself; neither writes the gradient of the convolution's output.
                convolution.BackwardThroughPool(upstream, pool);
                n--;
                continue;
            }
            if (layer is MultiInputLayer merge)
            {
                var inputGradients = merge.BackwardInputs(upstream);
                for (int i = 0; i < node.Inputs.Length; i++)
                    if (layer.ComputeInputGradient && (_inputGradients || node.Inputs[i] >= _inputShapes!.Length)) AddGradient(node.Inputs[i], inputGradients[i]);
            }
            else if (layer.Backward(upstream) is { } inputGradient) AddGradient(node.Inputs[0], inputGradient);
        }
        foreach (var node in _nodes)
        {
            if (!node.IsTwin) continue;
            var own = node.Primary.Parameters;
            var twin = node.Layer.Parameters;
            for (int i = 0; i < own.Count; i++)
                if (own[i].Trainable) System.Numerics.Tensors.TensorPrimitives.Add(own[i].Gradient.Span, twin[i].Gradient.Span, own[i].Gradient.Span);
        }
    }

    /// <summary>dL/d(model input <paramref name="index"/>) after <see cref="RunBackward"/> (when input gradients are computed).</summary>
    internal Tensor? InputGradient(int index) => _gradients[index];

    /// <summary>Adds a reader's gradient to a value's: the first is kept as it is (a layer's buffer, never changed), a second starts an owned sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddGradient(int slot, Tensor gradient)
    {
        if (_gradients[slot] is not { } current)
        {
            _gradients[slot] = gradient;
            return;
        }
        var sum = Layer.Ensure(ref _gradientSums[slot], gradient.Dim(0), _slotShapes[slot]);
        if (!ReferenceEquals(current, sum)) current.Span.CopyTo(sum.Span);
        System.Numerics.Tensors.TensorPrimitives.Add(sum.Span, gradient.Span, sum.Span);
        _gradients[slot] = sum;
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
                var prediction = RunInference(xb);
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
        var prediction = RunInference(x);
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
        int[] itemShape = [.. OutputLayer.OutputShape];
        int samples = x.Dim(0), outputs = Tensor.SizeOf(itemShape);
        var result = new Tensor([samples, .. itemShape]);
        for (int start = 0; start < samples; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, samples - start);
            // One batch of all of x needs no copy: inference only reads its input.
            var xb = count == samples ? x : CopyBatch(x, null, start, count).X;
            RunInference(xb).Span.CopyTo(result.Span.Slice(start * outputs, count * outputs));
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
        ForwardAll(x, training: false);
        // Each call's output is its own layer object's buffer, still intact after the pass.
        return [.. _nodes.Select(node => (node.Primary, _values[node.Output].Clone()))];
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
            BuildFor(x.Shape[1..].ToArray());
        }
    }

    /// <summary>Builds the model for samples of <paramref name="inputShape"/> unless it is built.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void EnsureBuilt(int[] inputShape)
    {
        if (!IsBuilt) BuildFor(inputShape);
    }

    /// <summary>Builds an unbuilt model for its first batch: what a <see cref="Sequential"/> does; a functional model is built from its inputs.</summary>
    private protected virtual void BuildFor(int[] inputShape) =>
        throw new InvalidOperationException($"Model '{Name}' is not built.");

    /// <summary>What names the input in messages: a Sequential's first layer, a functional model's input.</summary>
    private string InputOwner => Graph == null ? _layers[0].Describe() : $"Model '{Name}' (input '{Graph.Inputs[0].Name}')";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckInputs(Tensor x, string what) => CheckInputs(x.Shape, what);

    /// <summary>Refuses inputs of <paramref name="shape"/> (the batch's, samples first) that the first layer does not take.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CheckInputs(ReadOnlySpan<int> shape, string what)
    {
        if (_inputShapes!.Length != 1)
            throw new ArgumentException($"Model '{Name}' has {_inputShapes.Length} inputs; pass {what} as a list of {_inputShapes.Length} tensors.");
        var expected = _inputShapes[0];
        bool ok = shape.Length == expected.Length + 1 && shape[1..].SequenceEqual(expected);
        if (!ok)
            throw new ArgumentException(
                $"{InputOwner} expects {what} of shape {Layer.FormatBatchShape(expected)}, received {Tensor.Format(shape)}.");
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
        if (_outputSlots.Length != 1)
            throw new ArgumentException($"Model '{Name}' has {_outputSlots.Length} outputs; training and evaluation take a model of one output (with one loss).");
        int outputs = OutputLength, expected = Loss!.TargetLength(outputs);
        if (Tensor.SizeOf(yShape[1..]) != expected)
        {
            string hint = Loss is SparseCategoricalCrossentropy
                ? "Pass class indices, one per sample."
                : $"Pass one-hot targets of shape (N, {outputs}), e.g. with ToCategorical(labels, {outputs}).";
            throw new ArgumentException(
                $"{Loss.Name} expects {yName} with {expected} values per sample to match the output of {OutputLayer.Describe()} " +
                $"(shape {Layer.FormatBatchShape(OutputLayer.OutputShape)}), received {yName} of shape {Tensor.Format(yShape)}. {hint}");
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
