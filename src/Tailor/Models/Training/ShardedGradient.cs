using System.Runtime.CompilerServices;
using Tailor.Common;
using Tailor.Layers;
using Tailor.Metrics;
using Tailor.Models;
using Tailor.Tensors;

namespace Tailor.Models.Training;

/// <summary>
/// Data-parallel gradient step: a batch of N rows is cut into <see cref="Shards"/> fixed shards of contiguous
/// rows (sizes as equal as possible, the first N % S one row longer), each computed alone (its own forward and
/// backward), and their partial sums added in shard order, so the result depends on S but never on which thread
/// or process computed which shard. With a <see cref="ShardTransport"/> the workers each compute their shards
/// (shard s on worker s % size) and exchange the partial sums, so every worker holds the same weights.
/// </summary>
/// <remarks>
/// <para>Rounding: a shard's loss gradient is its own mean-loss gradient times its share of the rows (n_s / N),
/// so the shards' contributions add up to the batch's mean; the loss is Σ n_s·loss_s / N in double. One shard
/// is therefore bit for bit <see cref="WholeBatchGradient"/>; S shards round as S shards, the same for every
/// number of workers.</para>
/// <para>Regularization penalties and their gradients are added once, after the shards are combined.
/// Metrics are sums: each shard's sums are added to the run's in shard order (exact for counts such as accuracy).</para>
/// <para>Dropout draws are keyed by (the layer's stream, epoch, step, shard), not drawn from a running stream,
/// so a shard draws the same masks whoever computes it, and a resumed run the same as an uninterrupted one.</para>
/// <para>BatchNormalization normalizes each shard with that shard's own statistics. Every shard starts from the
/// step's moving averages; afterwards each value that some shard changed (the moving mean and variance) becomes
/// the shards' results weighted by n_s / N in shard order: one momentum update with the row-weighted mean of
/// the shards' statistics.</para>
/// <para>Allocates nothing per batch once the first batch has sized its buffers.</para>
/// <para>Alone (no transport), a shard's gradients stay in float: a shard that is the last its thread computes is
/// read where it was computed (its worker's gradient buffers), the others from a float copy; widening to double and
/// back is exact, so this is the same sum as the exchanged records give. The replicas read the model's weights
/// themselves where the architecture allows it (no layer shares another's weights), else copy them on their own thread.</para>
/// </remarks>
public sealed class ShardedGradient : GradientStep
{
    private readonly ShardTransport? _transport;
    private readonly Func<Model>? _replicas;
    private readonly ShardJob _job;
    private IReadOnlyList<Metric>? _metricsFor;
    private Model? _modelFor;
    private float[] _stateSnapshot = [];
    private float[] _weights = [];
    private double[] _mine = [], _all = [];
    private int _recordLength, _blockLength, _metricsLength, _gradientLength, _stateLength;
    private ShardWorker[] _workers = [];
    private int _calls;
    /// <summary>Alone: each shard's gradients, unless it is left where it was computed (<see cref="_live"/>).</summary>
    private float[] _gradientRecords = [];
    /// <summary>Alone: the worker whose gradient buffers hold shard s, or -1 when its gradients are in <see cref="_gradientRecords"/>.</summary>
    private int[] _live = [];
    private readonly CombineJob _combine;

    /// <summary>The model's own parameters, as worker 0 (the model itself) holds them.</summary>
    private Parameter[] ModelTrainable => _workers[0].Trainable;

    private Parameter[] ModelState => _workers[0].State;

    /// <summary>
    /// Cuts every batch into <paramref name="shards"/> shards, computed here, or shared by the workers of
    /// <paramref name="transport"/>. With <paramref name="replicas"/>, a function that builds a model of the same
    /// architecture (its weights do not matter: each step copies the model's), this process computes its shards on
    /// as many threads as the kernels may use, each thread one shard at a time through all the layers of its own
    /// replica: the same bits as one thread, since a shard's numbers do not depend on who computes it.
    /// </summary>
    public ShardedGradient(int shards, ShardTransport? transport = null, Func<Model>? replicas = null)
    {
        Guard.Positive(shards, "shards");
        Shards = shards;
        _transport = transport;
        _replicas = replicas;
        _job = new ShardJob(this);
        _combine = new CombineJob(this);
    }

    /// <summary>The workers that share the shards; null when this process computes them all.</summary>
    internal ShardTransport? Transport => _transport;

    /// <summary>The number of shards each batch is cut into: it, not the number of workers, fixes the result.</summary>
    public int Shards { get; }

    /// <summary>Gradients stay in float, out of the records, when no transport exchanges them.</summary>
    private bool Local => _transport == null;

    /// <summary>Computes this process's shards in reverse order (for tests: the order must not matter).</summary>
    internal bool Reverse { get; set; }

    /// <summary>The first row and the number of rows of shard <paramref name="shard"/> of a batch of <paramref name="batch"/> rows.</summary>
    public static (int Start, int Count) ShardRange(int batch, int shards, int shard)
    {
        int size = batch / shards, extra = batch % shards;
        return (shard * size + Math.Min(shard, extra), size + (shard < extra ? 1 : 0));
    }

    /// <summary>Keys the random draws by the number of calls so far, as steps of one epoch.</summary>
    public override float Compute(Model model, Tensor x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics) =>
        Compute(model, x, y, sampleWeights, metrics, 0, _calls);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override float Compute(Model model, Tensor x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics, int epoch, int step)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metrics);
        _calls++;
        // Held for the whole step: a shard of the model's may run on a pool thread (a task taken from a stalled
        // participant) while this thread waits for it, and that thread cannot take the lock this one holds.
        using var held = model.EnterLock();
        model.PrepareBatch(x, y);
        int batch = x.Dim(0), workers = _transport?.Size ?? 1, rank = _transport?.Rank ?? 0;
        if (!sampleWeights.IsEmpty && sampleWeights.Length != batch)
            throw new ArgumentException($"sample_weight holds {sampleWeights.Length} values for a batch of {batch} samples.");
        Prepare(model, metrics, workers);
        int perWorker = (Shards + workers - 1) / workers;
        for (int i = 0; i < ModelState.Length; i++) ModelState[i].Value.Span.CopyTo(_stateSnapshot.AsSpan(StateOffset(i)));
        int mineCount = rank < Shards ? (Shards - 1 - rank) / workers + 1 : 0;
        int threads = _replicas == null ? 1 : Math.Min(Threading.WorkerPool.Threads, mineCount);
        if (threads > 1) SyncReplicas(model, threads);
        if (!sampleWeights.IsEmpty)
        {
            if (_weights.Length < batch) _weights = new float[batch];
            sampleWeights.CopyTo(_weights);
        }
        _job.Set(x, y, !sampleWeights.IsEmpty, epoch, step, rank, workers, mineCount, threads);
        // Slot 0 last, as in ShardJob.Run.
        if (threads == 1)
            for (int k = 0; k < mineCount; k++) _job.Run(_workers[0], Reverse ? mineCount - 1 - k : (k + 1) % mineCount, last: k == mineCount - 1);
        else Threading.WorkerPool.Run(_job, threads);
        if (_transport != null)
        {
            // Each worker's block ends with whether it has been asked to stop: all then stop after this step, or none.
            _mine[^1] = model.InterruptRequested ? 1 : 0;
            _transport.AllGather(_mine, _all);
            bool stop = false;
            for (int r = 0; r < workers; r++) stop |= _all[(r + 1) * _blockLength - 1] != 0;
            model.AgreedInterrupt = stop;
        }
        return Combine(model, batch, metrics, workers, perWorker);
    }

    /// <summary>Adds the shards' records in shard order into the model's gradients and state and the run's metrics; returns the loss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float Combine(Model model, int batch, IReadOnlyList<Metric> metrics, int workers, int perWorker)
    {
        double lossSum = 0;
        bool first = true;
        for (int shard = 0; shard < Shards; shard++)
        {
            var (_, count) = ShardRange(batch, Shards, shard);
            if (count == 0) continue;
            var record = Record(shard, workers, perWorker);
            lossSum += record[0] * count;
            int at = 1;
            for (int m = 0; m < metrics.Count; m++)
            {
                var state = metrics[m].State;
                for (int j = 0; j < state.Length; j++) state[j] += record[at + j];
                at += state.Length;
            }
            if (!Local)
                foreach (var p in ModelTrainable)
                {
                    var g = p.Gradient.Span;
                    var part = record.Slice(at, g.Length);
                    if (first) for (int j = 0; j < g.Length; j++) g[j] = (float)part[j];
                    else for (int j = 0; j < g.Length; j++) g[j] += (float)part[j];
                    at += g.Length;
                }
            first = false;
        }
        if (Local)
        {
            _combine.Batch = batch;
            Threading.WorkerPool.Run(_combine, _combine.Count);
        }
        // State that some shard changed (moving averages) becomes the shards' values weighted by their rows.
        int stateAt = 1 + _metricsLength + (Local ? 0 : _gradientLength);
        for (int i = 0; i < ModelState.Length; i++)
        {
            var value = ModelState[i].Value.Span;
            var before = _stateSnapshot.AsSpan(StateOffset(i), value.Length);
            for (int j = 0; j < value.Length; j++)
            {
                bool changed = false;
                double sum = 0;
                for (int shard = 0; shard < Shards; shard++)
                {
                    var (_, count) = ShardRange(batch, Shards, shard);
                    if (count == 0) continue;
                    double v = Record(shard, workers, perWorker)[stateAt + j];
                    changed |= v != before[j];
                    sum += (double)count / batch * v;
                }
                value[j] = changed ? (float)sum : before[j];
            }
            stateAt += value.Length;
        }
        float loss = (float)(lossSum / batch);
        var parameters = model.Parameters;
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (p.Regularizer == null) continue;
            loss += p.Regularizer.Penalty(p.Value.Span);
            if (p.Trainable) p.Regularizer.AddGradient(p.Value.Span, p.Gradient.Span);
        }
        return loss;
    }

    private ReadOnlySpan<double> Record(int shard, int workers, int perWorker) =>
        _all.AsSpan((shard % workers) * _blockLength + (shard / workers) * _recordLength, _recordLength);

    private int StateOffset(int index)
    {
        int offset = 0;
        for (int i = 0; i < index; i++) offset += ModelState[i].Value.Length;
        return offset;
    }

    private static void Widen(ReadOnlySpan<float> source, Span<double> destination)
    {
        for (int i = 0; i < source.Length; i++) destination[i] = source[i];
    }

    /// <summary>Sizes the buffers for this model and these metrics: once per Fit, not per batch.</summary>
    private void Prepare(Model model, IReadOnlyList<Metric> metrics, int workers)
    {
        if (ReferenceEquals(model, _modelFor) && ReferenceEquals(metrics, _metricsFor) && _workers.Length > 0 && ModelTrainable.Length + ModelState.Length == model.Parameters.Count) return;
        _modelFor = model;
        _metricsFor = metrics;
        _workers = [new ShardWorker(model, metrics)];
        _metricsLength = _workers[0].Metrics.Sum(m => m.State.Length);
        _gradientLength = ModelTrainable.Sum(p => p.Value.Length);
        _stateLength = ModelState.Sum(p => p.Value.Length);
        _stateSnapshot = new float[_stateLength];
        _recordLength = 1 + _metricsLength + (Local ? 0 : _gradientLength) + _stateLength;
        _gradientRecords = Local ? new float[Shards * _gradientLength] : [];
        _live = new int[Shards];
        _combine.Plan();
        int perWorker = (Shards + workers - 1) / workers;
        // A worker's block: its shards' records, then (when exchanged) its stop flag.
        _blockLength = perWorker * _recordLength + (_transport == null ? 0 : 1);
        _mine = _transport == null ? [] : new double[_blockLength];
        _all = new double[workers * _blockLength];
    }

    /// <summary>
    /// Replicas for <paramref name="threads"/> workers (built once per Fit), each given the model's weights, state
    /// and dropout streams of this step: worker 0 computes on the model itself.
    /// </summary>
    private void SyncReplicas(Model model, int threads)
    {
        if (_workers.Length < threads)
        {
            var grown = new ShardWorker[threads];
            _workers.CopyTo(grown, 0);
            for (int w = _workers.Length; w < threads; w++)
            {
                var replica = _replicas!() ?? throw new InvalidOperationException("The replica function of a ShardedGradient returned null.");
                if (replica is Sequential { IsBuilt: false } linear) linear.Build([.. model.InputShape]);
                var theirs = replica.Parameters;
                var ours = model.Parameters;
                if (theirs.Count != ours.Count || Enumerable.Range(0, ours.Count).Any(i => theirs[i].Value.Length != ours[i].Value.Length || theirs[i].Trainable != ours[i].Trainable))
                    throw new ArgumentException($"The replica function of a ShardedGradient built a model of {theirs.Count} parameters ({replica.ParameterCount:N0} values) for '{model.Name}', which has {ours.Count} ({model.ParameterCount:N0}): it must build the same architecture.");
                replica.Compile(model.Optimizer!, model.Loss!, Array.Empty<Metric>());
                grown[w] = new ShardWorker(replica, _metricsFor!, w) { ReadsModelWeights = SharesNoWeights(replica) };
            }
            _workers = grown;
        }
        var source = model.Parameters;
        var layers = model.RunningLayers;
        for (int w = 1; w < threads; w++)
        {
            var replica = _workers[w].Model;
            var target = replica.Parameters;
            // Trainable weights: read from the model's own tensors, or copied on the worker's thread (ShardJob);
            // the state is set from the step's snapshot before each shard.
            if (_workers[w].ReadsModelWeights)
                for (int i = 0; i < source.Count; i++)
                    if (source[i].Trainable && !ReferenceEquals(source[i].Value, target[i].Value)) target[i].ShareValueOf(source[i]);
            // Keyed draws read the layer's stream without advancing it: the replica may read the same one.
            for (int i = 0; i < layers.Count; i++)
                if (layers[i].TrainingRngForCheckpoint is { } stream && !ReferenceEquals(replica.RunningLayers[i].TrainingRngForCheckpoint, stream))
                    replica.RunningLayers[i].RestoreTrainingRng(stream);
        }
    }

    /// <summary>
    /// Whether a replica can read the model's weight tensors rather than a copy: only when each weight of its layers is
    /// one of its parameters, so that no layer (a shared layer's second call) reads a tensor that sharing would leave behind.
    /// </summary>
    private static bool SharesNoWeights(Model replica)
    {
        var own = new HashSet<Parameter>(replica.Parameters, ReferenceEqualityComparer.Instance);
        return replica.RunningLayers.All(layer => layer.Parameters.All(own.Contains));
    }

    /// <summary>Copies the model's trainable weights into worker <paramref name="index"/>'s replica, when it does not read them in place.</summary>
    private void CopyWeights(int index)
    {
        var worker = _workers[index];
        if (index == 0 || worker.ReadsModelWeights) return;
        var source = ModelTrainable;
        for (int i = 0; i < source.Length; i++) source[i].Value.Span.CopyTo(worker.Trainable[i].Value.Span);
    }

    /// <summary>The gradients of one trainable parameter for shard <paramref name="shard"/>: where its worker left them, or their copy.</summary>
    private Span<float> ShardGradient(int shard, int parameter, int offset)
    {
        int worker = _live[shard];
        return worker >= 0 ? _workers[worker].Trainable[parameter].Gradient.Span
            : _gradientRecords.AsSpan(shard * _gradientLength + offset, ModelTrainable[parameter].Value.Length);
    }

    /// <summary>A model that computes shards (the model itself, or a replica), with its own metrics and shard buffers.</summary>
    private sealed class ShardWorker(Model model, IReadOnlyList<Metric> metrics, int index = 0)
    {
        public Model Model { get; } = model;
        public int Index { get; } = index;
        /// <summary>A replica whose trainable parameters read the model's tensors (no copy per step).</summary>
        public bool ReadsModelWeights { get; init; }
        public Parameter[] Trainable { get; } = [.. model.Parameters.Where(p => p.Trainable)];
        public Parameter[] State { get; } = [.. model.Parameters.Where(p => !p.Trainable)];
        public Metric[] Metrics { get; } = [.. metrics.Select(m => m.CloneEmpty())];
        public Tensor? X, Y;
    }

    /// <summary>This process's shards of one step: worker w (a thread) computes slots w, w + threads, ... on its model.</summary>
    private sealed class ShardJob(ShardedGradient owner) : Threading.ParallelJob
    {
        private Tensor? _x, _y;
        private bool _weighted;
        private int _epoch, _step, _rank, _workers, _mine, _threads;

        public void Set(Tensor x, Tensor y, bool weighted, int epoch, int step, int rank, int workers, int mine, int threads) =>
            (_x, _y, _weighted, _epoch, _step, _rank, _workers, _mine, _threads) = (x, y, weighted, epoch, step, rank, workers, mine, threads);

        public override void Run(int task)
        {
            owner.CopyWeights(task);
            var worker = owner._workers[task];
            // Worker 0 computes its first slot last, so that shard 0's gradients can stay where the combine sums into: the model's buffers.
            int start = task == 0 && _threads < _mine ? _threads : task;
            for (int slot = start; slot < _mine; slot += _threads) Run(worker, slot, last: start == task && slot + _threads >= _mine);
            if (start != task) Run(worker, task, last: true);
        }

        /// <summary>
        /// One shard on <paramref name="worker"/>'s model, into its record. Alone, the gradients of the worker's
        /// <paramref name="last"/> shard stay in its buffers (the model's only for shard 0, which the combine starts from).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(ShardWorker worker, int slot, bool last)
        {
            var x = _x!;
            var y = _y!;
            int batch = x.Dim(0), shard = _rank + slot * _workers;
            var (start, count) = ShardRange(batch, owner.Shards, shard);
            var record = (owner._transport == null ? owner._all : owner._mine).AsSpan(slot * owner._recordLength, owner._recordLength);
            if (owner.Local) owner._live[shard] = -1;
            if (count == 0) { record.Clear(); return; }
            var state = worker.State;
            for (int i = 0; i < state.Length; i++) owner._stateSnapshot.AsSpan(owner.StateOffset(i), state[i].Value.Length).CopyTo(state[i].Value.Span);
            var layers = worker.Model.RunningLayers;
            for (int i = 0; i < layers.Count; i++) layers[i].KeyTrainingDraws(_epoch, _step, shard);
            try
            {
                Tensor xs = x, ys = y;
                if (count != batch)
                {
                    xs = Layer.Ensure(ref worker.X, count, x.Shape[1..]);
                    ys = Layer.Ensure(ref worker.Y, count, y.Shape[1..]);
                    x.Span.Slice(start * x.ItemLength, count * x.ItemLength).CopyTo(xs.Span);
                    y.Span.Slice(start * y.ItemLength, count * y.ItemLength).CopyTo(ys.Span);
                }
                foreach (var m in worker.Metrics) m.Reset();
                float share = count == batch ? 1f : (float)count / batch;
                var weights = _weighted ? owner._weights.AsSpan(start, count) : default;
                record[0] = worker.Model.ComputeShardGradients(xs, ys, weights, worker.Metrics, share);
                int at = 1;
                foreach (var m in worker.Metrics) { m.State.CopyTo(record.Slice(at)); at += m.State.Length; }
                if (!owner.Local)
                    foreach (var p in worker.Trainable) { Widen(p.Gradient.Span, record.Slice(at)); at += p.Gradient.Length; }
                else if (last && (worker.Index != 0 || shard == 0)) owner._live[shard] = worker.Index;
                else
                {
                    var copy = owner._gradientRecords.AsSpan(shard * owner._gradientLength, owner._gradientLength);
                    foreach (var p in worker.Trainable) { p.Gradient.Span.CopyTo(copy); copy = copy[p.Gradient.Length..]; }
                }
                foreach (var p in state) { Widen(p.Value.Span, record.Slice(at)); at += p.Value.Length; }
            }
            finally
            {
                for (int i = 0; i < layers.Count; i++) layers[i].UnkeyTrainingDraws();
            }
        }
    }

    /// <summary>
    /// Alone: the model's gradients become the shards' gradients added in shard order, element by element, over equal
    /// pieces of the parameters on the kernels' threads (each element's sum is the same whoever adds it).
    /// </summary>
    private sealed class CombineJob(ShardedGradient owner) : Threading.ParallelJob
    {
        private readonly Threading.ElementwisePieces _pieces = new();
        /// <summary>Where each trainable parameter's gradient starts in a shard's gradient record.</summary>
        private int[] _offsets = [];
        public int Count => _pieces.Count;
        public int Batch;

        public void Plan()
        {
            var trainable = owner.ModelTrainable;
            var lengths = new int[trainable.Length];
            _offsets = new int[trainable.Length];
            for (int i = 0, offset = 0; i < trainable.Length; offset += lengths[i], i++)
                (lengths[i], _offsets[i]) = (trainable[i].Value.Length, offset);
            _pieces.Plan(lengths, Threading.ElementwisePieces.DefaultPieceLength);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int task)
        {
            foreach (var (parameter, start, length) in _pieces.Segments(task))
            {
                var sum = owner.ModelTrainable[parameter].Gradient.Span.Slice(start, length);
                bool first = true;
                for (int shard = 0; shard < owner.Shards; shard++)
                {
                    if (ShardRange(Batch, owner.Shards, shard).Count == 0) continue;
                    var part = owner.ShardGradient(shard, parameter, _offsets[parameter]).Slice(start, length);
                    // Only shard 0 may be the model's own buffer, and it comes first.
                    if (first) { if (!part.Overlaps(sum)) part.CopyTo(sum); }
                    else System.Numerics.Tensors.TensorPrimitives.Add(sum, part, sum);
                    first = false;
                }
            }
        }
    }
}
