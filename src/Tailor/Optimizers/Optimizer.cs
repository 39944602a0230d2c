using System.Runtime.CompilerServices;
using Tailor.Layers;

namespace Tailor.Optimizers;

/// <summary>
/// Updates parameters from their gradients. Keeps its slots (momenta, velocities) per parameter,
/// created on the first step; <see cref="Iterations"/> counts steps as Keras's optimizer does.
/// Optional clipping of each gradient by norm or by value happens before the update. Non-trainable
/// parameters are skipped and get no slots.
/// </summary>
public abstract class Optimizer
{
    private readonly List<float[][]> _slots = [];
    private readonly UpdateJob _update = new();

    protected Optimizer(float learningRate)
    {
        if (!(learningRate > 0) || float.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), $"Received an invalid value for `learning_rate`, expected a positive number. Received: learning_rate={learningRate}");
        LearningRate = learningRate;
    }

    public abstract string Name { get; }

    /// <summary>The rate of the next step; a <see cref="Schedule"/>, when set, rewrites it before every step.</summary>
    public float LearningRate { get; set; }

    /// <summary>
    /// Keras's LearningRateSchedule: when set, the rate of each step is the schedule's value at
    /// <see cref="Iterations"/> (the steps taken before it, so the first step reads step 0).
    /// </summary>
    public Schedules.LearningRateSchedule? Schedule { get; set; }

    /// <summary>Steps taken so far.</summary>
    public long Iterations { get; set; }

    /// <summary>Each gradient is rescaled so that its L2 norm is at most this (Keras's clipnorm).</summary>
    public float? ClipNorm { get; set; }

    /// <summary>Each gradient value is clipped to [-value, value] (Keras's clipvalue).</summary>
    public float? ClipValue { get; set; }

    /// <summary>Slots per parameter (e.g. Adam's m and v).</summary>
    protected abstract int SlotCount { get; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(IReadOnlyList<Parameter> parameters)
    {
        if (Schedule != null) LearningRate = Schedule.Rate(Iterations);
        Iterations++;
        while (_slots.Count < parameters.Count)
        {
            var parameter = parameters[_slots.Count];
            int length = parameter.Trainable ? parameter.Value.Length : 0;
            var slots = new float[SlotCount][];
            for (int s = 0; s < SlotCount; s++) slots[s] = new float[length];
            _slots.Add(slots);
        }
        if (ClipValue != null || ClipNorm != null)
            for (int i = 0; i < parameters.Count; i++)
                if (parameters[i].Trainable) Clip(parameters[i].Gradient.Span);
        _update.Run(this, parameters);
    }

    private void Clip(Span<float> gradient)
    {
        if (ClipValue is float v) System.Numerics.Tensors.TensorPrimitives.Clamp(gradient, -v, v, gradient);
        if (ClipNorm is float n)
        {
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(gradient);
            if (norm > n) System.Numerics.Tensors.TensorPrimitives.Multiply(gradient, n / norm, gradient);
        }
    }

    /// <summary>
    /// Updates <paramref name="weights"/>, a range of one parameter starting at <paramref name="offset"/>
    /// (the same range of its gradient); the parameter's slots are whole, so read them from offset.
    /// </summary>
    protected abstract void Update(Span<float> weights, ReadOnlySpan<float> gradient, float[][] slots, int offset);

    /// <summary>The slots, for checkpoints: one list per parameter.</summary>
    public IReadOnlyList<float[][]> Slots => _slots;

    /// <summary>Restores slots saved from an optimizer of the same kind over the same parameters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SetSlots(IReadOnlyList<float[][]> slots)
    {
        _slots.Clear();
        foreach (var s in slots)
        {
            if (s.Length != SlotCount) throw new ArgumentException($"{Name} expects {SlotCount} slots per parameter, received {s.Length}.");
            _slots.Add(s.Select(a => (float[])a.Clone()).ToArray());
        }
    }

    public virtual Dictionary<string, object?> GetConfig() => new()
    {
        ["name"] = Name, ["learning_rate"] = Schedule?.GetConfig() ?? (object)LearningRate, ["clipnorm"] = ClipNorm, ["clipvalue"] = ClipValue,
    };

    public static readonly IReadOnlyList<string> Names = ["sgd", "rmsprop", "adam", "adamw"];

    /// <summary>An optimizer by Keras's name, with Keras's defaults.</summary>
    public static Optimizer Parse(string name, float? learningRate = null) => name?.Trim().ToLowerInvariant() switch
    {
        "sgd" => new Sgd(learningRate ?? 0.01f),
        "rmsprop" => new RmsProp(learningRate ?? 0.001f),
        "adam" => new Adam(learningRate ?? 0.001f),
        "adamw" => new AdamW(learningRate ?? 0.001f),
        _ => throw new ArgumentException($"Unknown optimizer '{name}'. Valid optimizers: {string.Join(", ", Names)}."),
    };

    /// <summary>
    /// The update is elementwise, so it runs over the kernels' threads in equal pieces of the parameters laid end
    /// to end (<see cref="Threading.ElementwisePieces"/>): the same bits whatever the thread count.
    /// </summary>
    private sealed class UpdateJob : Threading.ParallelJob
    {
        private readonly Threading.ElementwisePieces _pieces = new();
        private IReadOnlyList<Parameter>? _planned;
        private long _plannedSignature;
        private Optimizer? _optimizer;
        private IReadOnlyList<Parameter>? _parameters;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(Optimizer optimizer, IReadOnlyList<Parameter> parameters)
        {
            Plan(parameters);
            (_optimizer, _parameters) = (optimizer, parameters);
            try { Threading.WorkerPool.Run(this, _pieces.Count); }
            finally { (_optimizer, _parameters) = (null, null); }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Plan(IReadOnlyList<Parameter> parameters)
        {
            // Re-plan when the list, a length or which parameters train changes (a layer frozen or thawed).
            long signature = parameters.Count;
            for (int i = 0; i < parameters.Count; i++)
                signature = signature * 31 + (parameters[i].Trainable ? parameters[i].Value.Length : -1 - i);
            if (ReferenceEquals(parameters, _planned) && signature == _plannedSignature) return;
            var lengths = new int[parameters.Count];
            for (int i = 0; i < lengths.Length; i++) lengths[i] = parameters[i].Trainable ? parameters[i].Value.Length : 0;
            _pieces.Plan(lengths, Threading.ElementwisePieces.DefaultPieceLength);
            (_planned, _plannedSignature) = (parameters, signature);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int task)
        {
            foreach (var (index, start, length) in _pieces.Segments(task))
            {
                var p = _parameters![index];
                _optimizer!.Update(p.Value.Span.Slice(start, length), p.Gradient.Span.Slice(start, length), _optimizer._slots[index], start);
            }
        }
    }
}
