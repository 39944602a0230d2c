using System.Runtime.CompilerServices;
using System.Text;
using Tailor.Common;
using Tailor.Graphs;
using Tailor.Tensors;

namespace Tailor.Layers;

/// <summary>
/// A layer's life, as in Keras: the constructor checks hyperparameters; <see cref="Build"/> learns
/// the input shape, creates the weights and pins the input it accepts; <see cref="Forward"/> and
/// <see cref="Backward"/> run a batch. Shapes here exclude the batch dimension. Each layer owns its
/// output and input-gradient buffers, sized for the largest batch seen and then reused, so a layer runs
/// one batch at a time: the model (Sequential) holds a lock around every call that runs its layers,
/// and a layer belongs to one model only.
/// </summary>
public abstract class Layer
{
    private List<Parameter> _parameters = [];
    private int[] _inputShape = [];
    private int[] _outputShape = [];

    /// <summary>Unique within a model; given Keras-style ("dense", "dense_1") when the model gets the layer unnamed.</summary>
    public string? Name { get; set; }

    /// <summary>The per-sample input shape, known once built.</summary>
    public ReadOnlySpan<int> InputShape => _inputShape;

    /// <summary>The per-sample output shape, known once built.</summary>
    public ReadOnlySpan<int> OutputShape => _outputShape;

    public bool IsBuilt { get; private set; }

    /// <summary>Keras's class name, shown in summaries and model files: the type's name, or its <see cref="TypeNameAttribute"/>.</summary>
    public string TypeName => _typeName ??= TypeNameOf(GetType());

    private string? _typeName;

    /// <summary>The <see cref="TypeName"/> of a layer type, known without an instance (the registry finds types by it).</summary>
    internal static string TypeNameOf(Type layerType) =>
        layerType.GetCustomAttributes(typeof(TypeNameAttribute), inherit: false) is [TypeNameAttribute attribute] ? attribute.Name : layerType.Name;

    /// <summary>The prefix Keras uses for automatic names: Conv2D gives "conv2d", MaxPooling2D "max_pooling2d".</summary>
    public virtual string NamePrefix => ToSnakeCase(TypeName);

    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Every weight value, trainable or not, as Keras's count_params.</summary>
    public long ParameterCount => _parameters.Sum(p => (long)p.Value.Length);

    /// <summary>Weight values an optimizer updates.</summary>
    public long TrainableParameterCount => _parameters.Where(p => p.Trainable).Sum(p => (long)p.Value.Length);

    /// <summary>False for the first layer of a model, whose input gradient nobody needs.</summary>
    internal bool ComputeInputGradient { get; set; } = true;

    // The model that has this layer, as an object: layers know nothing of models (Models depends on Layers).
    private object? _owner;

    /// <summary>
    /// Makes <paramref name="model"/> the layer's only model; false when another model has it already (its
    /// buffers and weights cannot serve two models, which may run on two threads at once).
    /// </summary>
    internal bool TryJoin(object model) =>
        Interlocked.CompareExchange(ref _owner, model, null) is not { } owner || owner == model;

    /// <summary>The model that has this layer, if any.</summary>
    internal object? Owner => _owner;

    /// <summary>Builds the layer for a per-sample input shape, creating its weights with <paramref name="rng"/>.</summary>
    public void Build(ReadOnlySpan<int> inputShape, Rng rng)
    {
        int[] input = inputShape.ToArray();
        FinishBuild(input, ComputeOutputShape(input), rng);
    }

    /// <summary>Pins the shapes and creates the weights: the end of every build, one input or several.</summary>
    private protected void FinishBuild(int[] inputShape, int[] outputShape, Rng rng)
    {
        _outputShape = outputShape;
        _inputShape = inputShape;
        _parameters.Clear();
        CreateParameters(rng);
        IsBuilt = true;
    }

    /// <summary>
    /// An unbuilt copy of this unbuilt layer with the same hyperparameters, no weights and no model: what runs a
    /// shared layer's second and later calls in a functional model (each call needs its own activations), its
    /// weights then made the first's with <see cref="ShareWeightsOf"/>.
    /// </summary>
    internal Layer CreateTwin()
    {
        if (IsBuilt) throw new InvalidOperationException($"{Describe()} is already built, so it cannot be called again in a new model; create another layer.");
        var twin = (Layer)MemberwiseClone();
        twin._parameters = [];
        twin._owner = null;
        twin.OnTwinCreated();
        return twin;
    }

    /// <summary>Gives a twin its own copy of any workspace its constructor created (the memberwise copy shares it).</summary>
    private protected virtual void OnTwinCreated() { }

    /// <summary>Makes this built twin read and write <paramref name="primary"/>'s weights; its gradients stay its own.</summary>
    internal void ShareWeightsOf(Layer primary)
    {
        if (primary._parameters.Count != _parameters.Count)
            throw new InvalidOperationException($"{Describe()} has {_parameters.Count} weights, its shared original {primary._parameters.Count}.");
        for (int i = 0; i < _parameters.Count; i++) _parameters[i].ShareValueOf(primary._parameters[i]);
    }

    /// <summary>The per-sample output shape for a per-sample input shape; throws, naming the layer, when the input does not fit.</summary>
    public abstract int[] ComputeOutputShape(ReadOnlySpan<int> inputShape);

    protected virtual void CreateParameters(Rng rng) { }

    /// <summary>
    /// The most parameter values <see cref="Build"/> may create: a loader sets it to what its file holds for
    /// the layer, so that a damaged config (units = 10^9) fails before gigabytes are filled with random numbers.
    /// </summary>
    internal long ParameterBudget { get; set; } = long.MaxValue;

    /// <summary>
    /// A kernel (Keras's layout, fans from its shape) and, when <paramref name="useBias"/>, a bias of
    /// the kernel's last dimension: the weights of Dense and the convolutions.
    /// </summary>
    protected void AddKernelAndBias(int[] kernelShape, bool useBias, Initializers.Initializer kernelInitializer,
        Initializers.Initializer biasInitializer, Regularizers.Regularizer? kernelRegularizer, Regularizers.Regularizer? biasRegularizer, Rng rng)
    {
        var kernel = AddParameter("kernel", kernelShape, kernelRegularizer);
        var (fanIn, fanOut) = Initializers.Initializer.Fans(kernelShape);
        kernelInitializer.Fill(kernel.Value.Span, fanIn, fanOut, rng);
        if (!useBias) return;
        int units = kernelShape[^1];
        var bias = AddParameter("bias", [units], biasRegularizer);
        biasInitializer.Fill(bias.Value.Span, units, units, rng);
    }

    /// <summary>Creates a weight of <paramref name="shape"/>, once its size is known to fit <see cref="ParameterBudget"/> (checked before anything is allocated).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected Parameter AddParameter(string name, int[] shape, Regularizers.Regularizer? regularizer = null, bool trainable = true)
    {
        long values = 1;
        foreach (int d in shape) values = d <= 0 ? 0 : values > long.MaxValue / d ? long.MaxValue : values * d;
        CheckBudget(values);
        return AddParameter(new Parameter(name, shape, regularizer, trainable));
    }

    protected Parameter AddParameter(Parameter parameter)
    {
        CheckBudget(parameter.Value.Length);
        _parameters.Add(parameter);
        return parameter;
    }

    private void CheckBudget(long values)
    {
        if (values > ParameterBudget - ParameterCount)
            throw new ArgumentException($"{Describe()} would create {(values > long.MaxValue - ParameterCount ? values : ParameterCount + values)} parameter values, more than the {ParameterBudget} its file holds.");
    }

    /// <summary>Runs a batch; the result is this layer's buffer, valid until its next forward.</summary>
    public abstract Tensor Forward(Tensor input, bool training);

    /// <summary>
    /// Given dL/d(output) of the last forward, writes the parameters' gradients and returns dL/d(input)
    /// (or null when <see cref="ComputeInputGradient"/> is false).
    /// </summary>
    public abstract Tensor? Backward(Tensor outputGradient);

    /// <summary>The hyperparameters, with Keras's names, enough to rebuild the layer.</summary>
    public virtual Dictionary<string, object?> GetConfig() => new() { ["name"] = Name };

    /// <summary>
    /// Appends what the built layer computes at inference to <paramref name="graph"/> as ONNX-named operators:
    /// it takes its input with <see cref="InferenceGraph.Input(TensorLayout)"/> in the layout it needs, adds its
    /// nodes and weights, and sets its output. A layer that cannot be exported keeps this default, which says so.
    /// </summary>
    public virtual void DescribeInference(InferenceGraph graph) =>
        throw new NotSupportedException($"{Describe()} cannot be exported to ONNX: {TypeName} does not describe its inference computation (Layer.DescribeInference).");

    /// <summary>The random stream of layers that draw at training time (Dropout).</summary>
    internal virtual void SetTrainingRng(Rng rng) { }

    /// <summary>The stream a checkpoint must save for this layer, if it draws at training time.</summary>
    internal virtual Rng? TrainingRngForCheckpoint => null;

    /// <summary>
    /// Keys the draws of the next training passes by (epoch, step, shard) on a stream derived from the layer's own,
    /// which then does not advance, so a shard draws the same on any thread or process; null returns to the
    /// layer's running stream. Set by <see cref="Tailor.Models.Training.ShardedGradient"/> before each shard.
    /// </summary>
    internal virtual void KeyTrainingDraws(int epoch, int step, int shard) { }

    /// <summary>Ends <see cref="KeyTrainingDraws"/>: the layer draws from its running stream again.</summary>
    internal virtual void UnkeyTrainingDraws() { }

    /// <summary>Puts back a stream saved from <see cref="TrainingRngForCheckpoint"/> (also for layers with a fixed seed).</summary>
    internal virtual void RestoreTrainingRng(Rng rng) { }

    /// <summary>"Conv2D 'conv2d_1'", for messages.</summary>
    public string Describe() => $"{TypeName} '{Name ?? NamePrefix}'";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected void CheckBuilt()
    {
        if (!IsBuilt) throw new InvalidOperationException($"{Describe()} has not been built. Build the model (or call Fit/Predict) first.");
    }

    /// <summary>Checks a batch against the built input shape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected void CheckInput(Tensor input)
    {
        CheckBuilt();
        var shape = input.Shape;
        bool ok = shape.Length == _inputShape.Length + 1;
        for (int i = 0; ok && i < _inputShape.Length; i++) ok = shape[i + 1] == _inputShape[i];
        if (!ok)
            throw new ArgumentException($"{Describe()} expects input of shape {FormatBatchShape(_inputShape)}, received {input.ShapeString}.");
    }

    /// <summary>Makes sure <paramref name="buffer"/> holds a batch of the given per-sample shape, growing it only when needed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal static Tensor Ensure(ref Tensor? buffer, int batch, ReadOnlySpan<int> itemShape)
    {
        int item = Tensor.SizeOf(itemShape);
        if (buffer == null || buffer.Buffer.Length < batch * item || !buffer.Shape[1..].SequenceEqual(itemShape))
        {
            var shape = new int[itemShape.Length + 1];
            shape[0] = batch;
            itemShape.CopyTo(shape.AsSpan(1));
            buffer = new Tensor(shape);
        }
        else buffer.SetBatch(batch);
        return buffer;
    }

    /// <summary>A tensor over the same buffer as <paramref name="source"/> with another per-sample shape, cached so that no batch allocates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected static Tensor View(ref Tensor? view, Tensor source, ReadOnlySpan<int> itemShape)
    {
        int batch = source.Dim(0);
        if (view == null || !ReferenceEquals(view.Buffer, source.Buffer))
        {
            var shape = new int[itemShape.Length + 1];
            shape[0] = batch;
            itemShape.CopyTo(shape.AsSpan(1));
            view = new Tensor(source.Buffer, shape);
        }
        else view.SetBatch(batch);
        return view;
    }

    /// <summary>Keras's way to write a batch shape: (None, 26, 26, 32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string FormatBatchShape(ReadOnlySpan<int> itemShape)
    {
        var sb = new StringBuilder("(None");
        foreach (int d in itemShape) sb.Append(", ").Append(d);
        return sb.Append(')').ToString();
    }

    /// <summary>Keras's names from .NET's: "MaxPooling2D" gives "max_pooling2d", "useBias" "use_bias".</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char ch = name[i];
            if (char.IsUpper(ch) && i > 0 && char.IsLower(name[i - 1])) sb.Append('_');
            sb.Append(char.ToLowerInvariant(ch));
        }
        return sb.ToString();
    }
}
