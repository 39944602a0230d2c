using Tailor.Common;
using Tailor.Kernels;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Layers.Pooling;

/// <summary>Shared shape logic and per-image parallelism of the 2D pooling layers.</summary>
public abstract class BasePooling2D : Layer
{
    private readonly PoolJob _job;
    protected ConvGeometry Geometry;
    protected Tensor? Input;
    protected Tensor? Output;
    protected Tensor? OutputGradient;
    protected Tensor? InputGradient;

    protected BasePooling2D((int Height, int Width) poolSize, (int Height, int Width)? strides, Padding padding, string? name)
    {
        Guard.Positive(poolSize.Height, "pool_size");
        Guard.Positive(poolSize.Width, "pool_size");
        var s = strides ?? poolSize;
        Guard.Positive(s.Height, "strides");
        Guard.Positive(s.Width, "strides");
        if (padding == Padding.Causal)
            throw new ArgumentException($"{GetType().Name} does not support padding 'causal'. Use Padding.Valid or Padding.Same.", nameof(padding));
        PoolSize = poolSize;
        Strides = s;
        Padding = padding;
        Name = name;
        _job = new PoolJob(this);
    }

    public (int Height, int Width) PoolSize { get; }
    public (int Height, int Width) Strides { get; }
    public Padding Padding { get; }

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length != 3)
            throw new ArgumentException($"{Describe()} expects input of shape (None, height, width, channels), received shape {FormatBatchShape(inputShape)}.");
        var g = ConvGeometry.Create(inputShape[0], inputShape[1], inputShape[2], PoolSize.Height, PoolSize.Width, Strides.Height, Strides.Width, Padding);
        if (g.OutHeight <= 0 || g.OutWidth <= 0)
            throw new ArgumentException($"{Describe()} with pool {PoolSize.Height}x{PoolSize.Width} does not fit input of shape {FormatBatchShape(inputShape)}.");
        Geometry = g;
        return [g.OutHeight, g.OutWidth, inputShape[2]];
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

    protected abstract void ForwardImage(int image, Span<float> input, Span<float> output);

    protected abstract void BackwardImage(int image, Span<float> outputGradient, Span<float> inputGradient);

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = new[] { PoolSize.Height, PoolSize.Width };
        config["strides"] = new[] { Strides.Height, Strides.Width };
        config["padding"] = Padding.ToString().ToLowerInvariant();
        return config;
    }

    private sealed class PoolJob(BasePooling2D layer) : ParallelJob
    {
        public bool Backward;

        public override void Run(int image)
        {
            int inLength = layer.Geometry.InputLength, outLength = layer.Geometry.OutputPositions * layer.Geometry.Channels;
            if (!Backward)
                layer.ForwardImage(image, layer.Input!.Buffer.AsSpan(image * inLength, inLength), layer.Output!.Buffer.AsSpan(image * outLength, outLength));
            else
                layer.BackwardImage(image, layer.OutputGradient!.Buffer.AsSpan(image * outLength, outLength), layer.InputGradient!.Buffer.AsSpan(image * inLength, inLength));
        }
    }
}
