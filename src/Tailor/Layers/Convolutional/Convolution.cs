using System.Runtime.CompilerServices;
using Tailor.Common;
using Tailor.Graphs;
using Tailor.Initializers;
using Tailor.Kernels;
using Tailor.Layers.Pooling;
using Tailor.Regularizers;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Layers.Convolutional;

/// <summary>
/// What Conv1D and Conv2D share: the kernel and bias, and the lowering of a convolution to one matrix
/// product per batch (the patches of every sample, im2col, times the kernel), with its adjoint for the
/// input gradient. A subclass describes its geometry (a Conv1D is a Conv2D of height 1) and its config.
/// </summary>
public abstract class Convolution : Core.ActivatedLayer
{
    private ConvGeometry _geometry;
    private Tensor? _input;
    private Tensor? _inputGradient;
    private float[] _cols = [];
    private float[][] _colsGradient = [];
    private Tensor? _outputGradient;
    private int _samplesPerFold;
    private int _samplesPerGroup;
    private bool _keepPatches;
    private Tensor? _product;
    private Tensor? _pooled;
    private ConvGeometry _pool;
    private bool _colsReady;
    /// <summary>Where the patch rows (of the largest batch so far) and the patch columns lie in the input (<see cref="PatchOffsets"/>).</summary>
    private int[] _patchRows = [], _patchColumns = [];
    /// <summary>The kernel as filters x patch values, so that each fold task's product reads it in place rather than packing its transpose.</summary>
    private float[] _kernelTransposed = [];
    private SingleChannelConvolution _singleChannel = new();
    private bool _singleChannelForward;

    /// <summary>About 512 KB of patch gradients per fold task: within a core's L2 cache.</summary>
    private const int FoldBufferValues = 131_072;

    /// <summary>
    /// How a batch is cut into groups of samples, a task each, whose <paramref name="valuesPerSample"/> values a sample
    /// stay within <see cref="FoldBufferValues"/> (at least four groups where the batch allows); and whether each group's
    /// product may run alone: groups for every thread, and each row the same sum as in one product over the whole
    /// batch (one k chunk either way, for a group as small as one sample).
    /// </summary>
    private (int PerGroup, int Groups, bool Alone) Groups(int valuesPerSample, int batch)
    {
        int perGroup = Math.Clamp(FoldBufferValues / valuesPerSample, 1, Math.Max(1, (batch + 3) / 4));
        int groups = (batch + perGroup - 1) / perGroup, positions = _geometry.OutputPositions, patch = _geometry.PatchLength;
        return (perGroup, groups, groups >= WorkerPool.Threads && Gemm.SumsInOneChunk(positions, patch) && Gemm.SumsInOneChunk(batch * positions, patch));
    }
    private SampleJob _job;
    /// <summary>The gradient products that sum only where the output gradient is not zero: the kernel's, and the input's a slot each.</summary>
    private ZeroSkippingConvolution _zeroSkipping = new();
    private ZeroSkippingConvolution[] _foldSkipping = [];
    private bool _kernelFinite;

    protected Convolution(int filters, Padding padding, Activation activation, bool useBias,
        Initializer? kernelInitializer, Initializer? biasInitializer,
        Regularizer? kernelRegularizer, Regularizer? biasRegularizer, string? name)
        : base(activation)
    {
        Guard.Size(filters);
        Filters = filters;
        Padding = padding;
        UseBias = useBias;
        KernelInitializer = kernelInitializer ?? Initializer.GlorotUniform;
        BiasInitializer = biasInitializer ?? Initializer.Zeros;
        KernelRegularizer = kernelRegularizer;
        BiasRegularizer = biasRegularizer;
        Name = name;
        _job = new SampleJob(this);
    }

    // A twin runs its own jobs and scratch, not those of the layer it was copied from.
    private protected override void OnTwinCreated()
    {
        _job = new SampleJob(this);
        _singleChannel = new SingleChannelConvolution();
        _zeroSkipping = new ZeroSkippingConvolution();
        _foldSkipping = [];
    }

    public int Filters { get; }
    public Padding Padding { get; }
    public bool UseBias { get; }
    public Initializer KernelInitializer { get; }
    public Initializer BiasInitializer { get; }
    public Regularizer? KernelRegularizer { get; }
    public Regularizer? BiasRegularizer { get; }

    public Parameter Kernel => Parameters[0];
    public Parameter? Bias => UseBias ? Parameters[1] : null;

    /// <summary>The geometry of one sample, set by the subclass when it computes its output shape.</summary>
    private protected ConvGeometry Geometry { get => _geometry; set => _geometry = value; }

    /// <summary>The kernel's shape in Keras's layout, e.g. (kh, kw, cin, filters).</summary>
    protected abstract int[] KernelShape { get; }

    protected override void CreateParameters(Rng rng) =>
        AddKernelAndBias(KernelShape, UseBias, KernelInitializer, BiasInitializer, KernelRegularizer, BiasRegularizer, rng);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        int batch = input.Dim(0), rows = batch * _geometry.OutputPositions, patch = _geometry.PatchLength;
        _input = input;
        var z = PreActivationBuffer(batch);
        var bias = UseBias ? Bias!.Value.Span : default;
        // A first layer on one channel needs no patches: not in inference, nor for a backward pass that
        // computes no input gradient.
        _singleChannelForward = ProductAppliesActivation && SingleChannelConvolution.Supports(_geometry, Filters) && (!training || !ComputeInputGradient);
        _colsReady = false;
        if (_singleChannelForward)
            _singleChannel.Forward(_geometry, batch, input.Span, Kernel.Value.Span, bias, Filters, ProductAppliesRelu, z.Span);
        else if (ReadsPatchesInPlace(batch))
            Gemm.MultiplyPatches(false, Filters, input.Span, _patchRows.AsSpan(0, rows), _patchColumns, Kernel.Value.Span, Filters, z.Span, Filters,
                accumulate: false, bias, ProductAppliesRelu);
        else if (!ForwardInGroups(batch, keepPatches: training, z))
        {
            Expand(batch);
            Gemm.Multiply(false, false, rows, Filters, patch, _cols, patch, Kernel.Value.Span, Filters, z.Span, Filters,
                accumulate: false, bias, ProductAppliesRelu);
        }
        return Activate(z);
    }

    /// <summary>Whether an inference pass may run this layer and the max pooling that alone reads it as one (<see cref="ForwardPooled"/>).</summary>
    internal bool CanForwardPooled =>
        ProductAppliesActivation && (SingleChannelConvolution.Supports(_geometry, Filters) || PatchOffsets.InPlace(_geometry, 1));

    /// <summary>
    /// An inference pass through this layer and the max pooling after it, each sample's output pooled while it is
    /// still in its core's cache rather than the whole batch's written to memory and read back: the pooling's
    /// output, with the bits the two layers give one after the other. This layer's own output is not written, so
    /// only a pass that reads nothing else of it (Predict, Evaluate) and no backward pass may use it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Tensor ForwardPooled(Tensor input, MaxPooling2D pool)
    {
        CheckInput(input);
        return SingleChannelConvolution.Supports(_geometry, Filters) ? ForwardOneChannelPooled(input, pool, training: false) : ForwardPatchesPooled(input, pool);
    }

    /// <summary>
    /// Whether a training pass may run this layer and the max pooling that alone reads it as one
    /// (<see cref="ForwardThroughPoolInTraining"/>): a one-channel first layer whose backward pass then routes the
    /// pooling's gradient itself (<see cref="BackwardThroughPool"/>), so that its own output is never read.
    /// </summary>
    internal bool CanForwardThroughPoolInTraining(MaxPooling2D pool) =>
        ProductAppliesActivation && !ComputeInputGradient && !GradientIsPreActivation && SingleChannelConvolution.Supports(_geometry, Filters)
        && SingleChannelConvolution.RoutesEachCellOnce(_geometry, pool.Window, Filters);

    /// <summary>The one-channel convolution and its max pooling as one pass; in training each window's winner is kept too.</summary>
    private Tensor ForwardOneChannelPooled(Tensor input, MaxPooling2D pool, bool training)
    {
        int batch = input.Dim(0);
        _input = input;
        _singleChannelForward = true;
        _colsReady = false;
        var (pooled, winners) = training ? pool.OutputOfFusedTraining(batch) : (pool.OutputOfFusedPass(batch, training: false), null);
        _singleChannel.ForwardPooled(_geometry, batch, input.Span, Kernel.Value.Span, UseBias ? Bias!.Value.Span : default, Filters, ProductAppliesRelu,
            pool.Window, pooled.Span, winners);
        return pooled;
    }

    /// <summary>
    /// A training pass through this layer and the max pooling after it: each image's output pooled in cache, each
    /// window's winner kept, this layer's own output never written (its backward pass reads the pooling's maxima).
    /// The pooling's output and winners are those of the two layers run one after the other.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal Tensor ForwardThroughPoolInTraining(Tensor input, MaxPooling2D pool)
    {
        CheckInput(input);
        return ForwardOneChannelPooled(input, pool, training: true);
    }

    /// <summary>
    /// <see cref="ForwardPooled"/> for patches read in place: a group of samples a task, its product in the thread's
    /// scratch (in L2) and pooled from there, each row the same sum as in the whole batch's product (one k chunk
    /// either way). With fewer groups than threads (a small batch, whose product the threads share by rows) or k
    /// chunks, the two layers run one after the other.
    /// </summary>
    private Tensor ForwardPatchesPooled(Tensor input, MaxPooling2D pool)
    {
        int batch = input.Dim(0), positions = _geometry.OutputPositions;
        var (perGroup, groups, alone) = Groups(positions * Filters, batch);
        bool grouped = alone && ReadsPatchesInPlace(batch);
        var output = grouped ? null : Forward(input, training: false);
        _input = input;
        _singleChannelForward = false;
        _colsReady = false;
        var pooled = pool.OutputOfFusedPass(batch, training: false);
        _pool = pool.Window;
        _pooled = pooled;
        _product = output;
        if (grouped)
        {
            _samplesPerGroup = perGroup;
            EnsureSlotBuffers(perGroup * positions * Filters);
        }
        _job.Start(grouped ? SampleJob.Phase.ForwardPooled : SampleJob.Phase.Pool);
        WorkerPool.Run(_job, grouped ? groups : batch);
        _pooled = null;
        _product = null;
        return pooled;
    }

    /// <summary>
    /// Whether the products read the patches where they lie in the input, with no im2col copy written and read
    /// back (the same bits): where every window lies inside the image. Sets the offsets for this batch size.
    /// </summary>
    private bool ReadsPatchesInPlace(int batch)
    {
        if (!PatchOffsets.InPlace(_geometry, batch)) return false;
        int rows = batch * _geometry.OutputPositions;
        if (_patchColumns.Length != _geometry.PatchLength)
        {
            _patchColumns = new int[_geometry.PatchLength];
            PatchOffsets.Columns(_geometry, _patchColumns);
        }
        // A smaller batch's rows are the first of a larger one's: grown, never shrunk, so shards of different sizes
        // allocate nothing per batch.
        if (_patchRows.Length < rows)
        {
            _patchRows = new int[rows];
            PatchOffsets.Rows(_geometry, batch, _patchRows);
        }
        return true;
    }

    /// <summary>
    /// The patches made and multiplied a group of samples at a time, each group's patches still in its core's cache
    /// when the product reads them, rather than all of them written to memory and read back. Training keeps every
    /// patch for the weight gradient; inference needs only its thread's group. Each output row is the same sum as in
    /// one product over the whole batch (one k chunk either way); false, and nothing done, where that would not hold
    /// or where there are fewer groups than threads to share them.
    /// </summary>
    private bool ForwardInGroups(int batch, bool keepPatches, Tensor z)
    {
        int colsLength = _geometry.OutputPositions * _geometry.PatchLength;
        var (perGroup, groups, alone) = Groups(colsLength, batch);
        if (!alone) return false;
        _samplesPerGroup = perGroup;
        _keepPatches = keepPatches;
        _product = z;
        if (keepPatches) EnsureArray(ref _cols, batch * colsLength);
        else EnsureSlotBuffers(perGroup * colsLength);
        _job.Start(SampleJob.Phase.Forward);
        WorkerPool.Run(_job, groups);
        _product = null;
        _colsReady = keepPatches;
        return true;
    }

    /// <summary>A buffer per worker slot of at least <paramref name="length"/> values: inference's patches, or backward's patch gradients.</summary>
    private void EnsureSlotBuffers(int length)
    {
        int slots = WorkerPool.SlotCount;
        if (_colsGradient.Length < slots) Array.Resize(ref _colsGradient, slots);
        for (int s = 0; s < slots; s++) EnsureArray(ref _colsGradient[s], length);
    }

    private void Expand(int batch)
    {
        EnsureArray(ref _cols, batch * _geometry.OutputPositions * _geometry.PatchLength);
        _job.Start(SampleJob.Phase.Expand);
        WorkerPool.Run(_job, batch);
        _colsReady = true;
    }

    /// <summary>
    /// Whether <see cref="BackwardThroughPool"/> may stand for the backward passes of <paramref name="pool"/> (which alone
    /// reads this layer's output) and of this layer: a one-channel first layer after a training pass, pooled by windows
    /// that do not overlap.
    /// </summary>
    internal bool CanBackwardThroughPool(MaxPooling2D pool, int batch) =>
        _singleChannelForward && CanForwardThroughPoolInTraining(pool) && !pool.Winners(batch).IsEmpty && pool.Output is { } pooled && pooled.Dim(0) == batch;

    /// <summary>
    /// The kernel and bias gradients from the gradient of the max pooling after this layer, routed to its winners on
    /// the way rather than written out by the pooling's backward pass and read back: the same bits as the two passes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void BackwardThroughPool(Tensor poolGradient, MaxPooling2D pool)
    {
        int batch = poolGradient.Dim(0);
        _singleChannel.BackwardThroughPool(_geometry, batch, _input!.Span, pool.Window, pool.Output!.Span, pool.Winners(batch), poolGradient.Span, Filters,
            ProductAppliesRelu, Kernel.Gradient.Span, UseBias ? Bias!.Gradient.Span : default);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor? Backward(Tensor outputGradient)
    {
        if (_singleChannelForward && !ComputeInputGradient && !GradientIsPreActivation)
        {
            // The ReLU mask, the bias and the kernel gradients in one pass, dz never written out.
            _singleChannel.Backward(_geometry, outputGradient.Dim(0), _input!.Span, Output!.Span, outputGradient.Span, Filters, ProductAppliesRelu,
                Kernel.Gradient.Span, UseBias ? Bias!.Gradient.Span : default);
            return null;
        }
        var dz = PreActivationGradient(outputGradient, UseBias ? Bias!.Gradient.Span : default);
        int batch = dz.Dim(0), rows = batch * _geometry.OutputPositions, patch = _geometry.PatchLength;
        if (ReadsPatchesInPlace(batch))
        {
            if (!_zeroSkipping.TryKernelGradient(_input!.Span, _patchRows.AsSpan(0, rows), _patchColumns, dz.Span, Filters, Kernel.Gradient.Span))
                Gemm.MultiplyPatches(true, Filters, _input!.Span, _patchRows.AsSpan(0, rows), _patchColumns, dz.Span, Filters, Kernel.Gradient.Span, Filters,
                    accumulate: false, default, relu: false);
        }
        else
        {
            if (!_colsReady) Expand(batch);
            Gemm.Multiply(true, false, patch, Filters, rows, _cols, patch, dz.Span, Filters, Kernel.Gradient.Span, Filters);
        }
        if (!ComputeInputGradient) return null;
        // The patch gradients (dz x kernel^T) are made and folded back a few samples at a time, each group
        // in its thread's buffer while it is still in cache, rather than all of them through memory.
        int colsLength = _geometry.OutputPositions * patch;
        _samplesPerFold = Groups(colsLength, batch).PerGroup;
        EnsureSlotBuffers(_samplesPerFold * colsLength);
        if (_foldSkipping.Length < WorkerPool.SlotCount) Array.Resize(ref _foldSkipping, WorkerPool.SlotCount);
        for (int s = 0; s < _foldSkipping.Length; s++) _foldSkipping[s] ??= new ZeroSkippingConvolution();
        _kernelFinite = ZeroSkippingConvolution.Supports(patch, Filters) && ExactSpans.AllFinite(Kernel.Value.Span);
        _outputGradient = dz;
        EnsureArray(ref _kernelTransposed, Filters * patch);
        Transposes.Transpose(Kernel.Value.Span, patch, Filters, _kernelTransposed);
        Ensure(ref _inputGradient, batch, InputShape);
        _job.Start(SampleJob.Phase.Fold);
        WorkerPool.Run(_job, (batch + _samplesPerFold - 1) / _samplesPerFold);
        _outputGradient = null;
        return _inputGradient;
    }

    private static void EnsureArray(ref float[] array, int length)
    {
        if (array == null || array.Length < length) array = new float[length];
    }

    /// <summary>The keys both layers write; sizes, strides and dilation are the subclass's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected Dictionary<string, object?> ConvolutionConfig(Dictionary<string, object?> sizes)
    {
        var config = base.GetConfig();
        config["filters"] = Filters;
        foreach (var (key, value) in sizes) config[key] = value;
        config["use_bias"] = UseBias;
        config["kernel_initializer"] = KernelInitializer.Name;
        config["bias_initializer"] = BiasInitializer.Name;
        config["kernel_regularizer"] = KernelRegularizer?.GetConfig();
        config["bias_regularizer"] = BiasRegularizer?.GetConfig();
        return config;
    }

    /// <summary>
    /// Appends ONNX's Conv on the channels-first input, with <paramref name="kernel"/> in ONNX's (filters,
    /// in_channels, window...) layout, the bias and the activation; the output stays channels-first.
    /// </summary>
    private protected void DescribeConvolution(InferenceGraph graph, float[] kernel, long[] kernelDims, params (string Name, object Value)[] attributes)
    {
        string input = graph.Input(TensorLayout.ChannelsFirst);
        List<string> inputs = [input, graph.Constant("kernel", kernel, kernelDims)];
        if (Bias is { } bias) inputs.Add(graph.Constant("bias", bias.Value.Span, [bias.Value.Length]));
        string conv = graph.Node("Conv", "conv", inputs, attributes);
        graph.SetOutput(DescribeActivation(graph, conv, TensorLayout.ChannelsFirst), TensorLayout.ChannelsFirst);
    }

    /// <summary>Keras's (kh, kw, cin, cout) kernel as ONNX's (cout, cin, kh, kw).</summary>
    private protected static float[] ChannelsFirstKernel(ReadOnlySpan<float> kernel, int kh, int kw, int cin, int cout)
    {
        var result = new float[kernel.Length];
        for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
                for (int i = 0; i < cin; i++)
                    for (int o = 0; o < cout; o++)
                        result[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o];
        return result;
    }

    /// <summary>im2col, one sample per task; im2col and the product, a group of samples per task; and the adjoint, a group per task.</summary>
    private sealed class SampleJob(Convolution layer) : ParallelJob
    {
        public enum Phase { Expand, Forward, Fold, ForwardPooled, Pool }
        private Phase _phase;

        public void Start(Phase phase) => _phase = phase;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int task)
        {
            ref readonly var g = ref layer._geometry;
            int inLength = g.InputLength, colsLength = g.OutputPositions * g.PatchLength;
            if (_phase == Phase.Expand)
            {
                Im2Col.Expand(g, layer._input!.Buffer.AsSpan(task * inLength, inLength), layer._cols.AsSpan(task * colsLength, colsLength));
                return;
            }
            if (_phase == Phase.Forward)
            {
                Forward(task, in g, inLength, colsLength);
                return;
            }
            if (_phase == Phase.ForwardPooled)
            {
                ForwardPooled(task, in g);
                return;
            }
            if (_phase == Phase.Pool)
            {
                int outputLength = g.OutputPositions * layer.Filters, pooledLength = layer._pool.OutputPositions * layer.Filters;
                PoolingKernels.MaxForward(layer._pool, layer._product!.Span.Slice(task * outputLength, outputLength),
                    layer._pooled!.Span.Slice(task * pooledLength, pooledLength));
                return;
            }
            // Inside a task the product runs on this thread; each row of it is the same sum as in one
            // product over the whole batch.
            var dz = layer._outputGradient!;
            int first = task * layer._samplesPerFold, count = Math.Min(layer._samplesPerFold, dz.Dim(0) - first);
            int rows = count * g.OutputPositions, filters = layer.Filters, patch = g.PatchLength;
            var cols = layer._colsGradient[WorkerPool.CurrentSlot];
            var dzRows = dz.Span.Slice(first * g.OutputPositions * filters, rows * filters);
            // Where a pooling let through a quarter of the gradient, each patch row sums only its non-zero terms and is
            // folded while in registers: the same bits as the product and the fold below.
            if (layer._kernelFinite && layer._foldSkipping[WorkerPool.CurrentSlot].TryInputGradient(g, count, dzRows, filters, layer._kernelTransposed, cols,
                    layer._inputGradient!.Buffer.AsSpan(first * inLength, count * inLength)))
                return;
            Gemm.Multiply(false, false, rows, patch, filters, dzRows, filters, layer._kernelTransposed, patch, cols, patch);
            for (int i = 0; i < count; i++)
                Im2Col.Fold(g, cols.AsSpan(i * colsLength, colsLength), layer._inputGradient!.Buffer.AsSpan((first + i) * inLength, inLength));
        }

        /// <summary>One group's product, read from the patches in place, into this thread's scratch, then each sample pooled from there.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ForwardPooled(int task, in ConvGeometry g)
        {
            int positions = g.OutputPositions, filters = layer.Filters;
            int first = task * layer._samplesPerGroup, count = Math.Min(layer._samplesPerGroup, layer._input!.Dim(0) - first);
            int rows = count * positions, outputLength = positions * filters, pooledLength = layer._pool.OutputPositions * filters;
            var scratch = layer._colsGradient[WorkerPool.CurrentSlot].AsSpan(0, rows * filters);
            var bias = layer.UseBias ? layer.Bias!.Value.Span : default;
            Gemm.MultiplyPatches(false, filters, layer._input.Span, layer._patchRows.AsSpan(first * positions, rows), layer._patchColumns,
                layer.Kernel.Value.Span, filters, scratch, filters, accumulate: false, bias, layer.ProductAppliesRelu);
            for (int i = 0; i < count; i++)
                PoolingKernels.MaxForward(layer._pool, scratch.Slice(i * outputLength, outputLength), layer._pooled!.Span.Slice((first + i) * pooledLength, pooledLength));
        }

        /// <summary>One group's patches, then their product with the kernel (bias and ReLU applied), on this thread.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Forward(int task, in ConvGeometry g, int inLength, int colsLength)
        {
            var input = layer._input!.Buffer;
            int first = task * layer._samplesPerGroup, count = Math.Min(layer._samplesPerGroup, layer._input.Dim(0) - first);
            var cols = layer._keepPatches
                ? layer._cols.AsSpan(first * colsLength, count * colsLength)
                : layer._colsGradient[WorkerPool.CurrentSlot].AsSpan(0, count * colsLength);
            for (int i = 0; i < count; i++)
                Im2Col.Expand(g, input.AsSpan((first + i) * inLength, inLength), cols.Slice(i * colsLength, colsLength));
            int rows = count * g.OutputPositions, filters = layer.Filters, patch = g.PatchLength;
            var bias = layer.UseBias ? layer.Bias!.Value.Span : default;
            Gemm.Multiply(false, false, rows, filters, patch, cols, patch, layer.Kernel.Value.Span, filters,
                layer._product!.Span.Slice(first * g.OutputPositions * filters, rows * filters), filters, accumulate: false, bias, layer.ProductAppliesRelu);
        }
    }
}
