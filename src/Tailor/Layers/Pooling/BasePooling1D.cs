using Tailor.Common;
using Tailor.Kernels;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Layers.Pooling;

/// <summary>
/// Shared shape logic and per-sequence parallelism of the 1D pooling layers: a sequence
/// (steps, channels) is pooled as an image of height 1 by the 2D kernels.
/// </summary>
public abstract class BasePooling1D : Layer
{
    private readonly PoolJob _job;
    protected ConvGeometry Geometry;
    protected Tensor? Input;
    protected Tensor? Output;
    protected Tensor? OutputGradient;
    protected Tensor? InputGradient;

    protected BasePooling1D(int poolSize, int? strides, Padding padding, string? name)
    {
        Guard.Positive(poolSize, "pool_size");
        int s = strides ?? poolSize;
        Guard.Positive(s, "strides");
        if (padding == Padding.Causal)
            throw new ArgumentException($"{GetType().Name} does not support padding 'causal'. Use Padding.Valid or Padding.Same.", nameof(padding));
        PoolSize = poolSize;
        Strides = s;
        Padding = padding;
        Name = name;
        _job = new PoolJob(this);
    }

    public int PoolSize { get; }
    public int Strides { get; }
    public Padding Padding { get; }

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length != 2)
            throw new ArgumentException($"{Describe()} expects input of shape (None, steps, channels), received shape {FormatBatchShape(inputShape)}.");
        var g = ConvGeometry.Create(1, inputShape[0], inputShape[1], 1, PoolSize, 1, Strides, Padding);
        if (g.OutWidth <= 0)
            throw new ArgumentException($"{Describe()} with pool {PoolSize} does not fit input of shape {FormatBatchShape(inputShape)}.");
        Geometry = g;
        return [g.OutWidth, inputShape[1]];
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        int batch = input.Dim(0);
        Input = input;
        Ensure(ref Output, batch, OutputShape);
        PrepareForward(batch);
        _job.Backward = false;
        WorkerPool.Run(_job, batch);
        return Output!;
    }

    public override Tensor? Backward(Tensor outputGradient)
    {
        if (!ComputeInputGradient) return null;
        int batch = outputGradient.Dim(0);
        OutputGradient = outputGradient;
        Ensure(ref InputGradient, batch, InputShape);
        _job.Backward = true;
        WorkerPool.Run(_job, batch);
        return InputGradient;
    }

    protected virtual void PrepareForward(int batch) { }

    protected abstract void ForwardSequence(int sequence, Span<float> input, Span<float> output);

    protected abstract void BackwardSequence(int sequence, Span<float> outputGradient, Span<float> inputGradient);

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = new[] { PoolSize };
        config["strides"] = new[] { Strides };
        config["padding"] = Padding.ToString().ToLowerInvariant();
        return config;
    }

    private sealed class PoolJob(BasePooling1D layer) : ParallelJob
    {
        public bool Backward;

        public override void Run(int sequence)
        {
            int inLength = layer.Geometry.InputLength, outLength = layer.Geometry.OutputPositions * layer.Geometry.Channels;
            if (!Backward)
                layer.ForwardSequence(sequence, layer.Input!.Buffer.AsSpan(sequence * inLength, inLength), layer.Output!.Buffer.AsSpan(sequence * outLength, outLength));
            else
                layer.BackwardSequence(sequence, layer.OutputGradient!.Buffer.AsSpan(sequence * outLength, outLength), layer.InputGradient!.Buffer.AsSpan(sequence * inLength, inLength));
        }
    }
}
