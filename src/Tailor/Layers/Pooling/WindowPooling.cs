using Tailor.Kernels;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Layers.Pooling;

/// <summary>
/// What the 1D and 2D pooling layers share: a window slid over each sample (a sequence is pooled as an
/// image of height 1), one sample per parallel task, output and input-gradient buffers reused.
/// </summary>
public abstract class WindowPooling : Layer
{
    private readonly PoolJob _job;
    protected ConvGeometry Geometry;
    protected Tensor? Input;
    protected Tensor? Output;
    protected Tensor? OutputGradient;
    protected Tensor? InputGradient;

    protected WindowPooling(Padding padding, string? name)
    {
        if (padding == Padding.Causal)
            throw new ArgumentException($"{GetType().Name} does not support padding 'causal'. Use Padding.Valid or Padding.Same.", nameof(padding));
        Padding = padding;
        Name = name;
        _job = new PoolJob(this);
    }

    public Padding Padding { get; }

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

    protected abstract void ForwardSample(int sample, Span<float> input, Span<float> output);

    protected abstract void BackwardSample(int sample, Span<float> outputGradient, Span<float> inputGradient);

    private sealed class PoolJob(WindowPooling layer) : ParallelJob
    {
        public bool Backward;

        public override void Run(int sample)
        {
            int inLength = layer.Geometry.InputLength, outLength = layer.Geometry.OutputPositions * layer.Geometry.Channels;
            if (!Backward)
                layer.ForwardSample(sample, layer.Input!.Buffer.AsSpan(sample * inLength, inLength), layer.Output!.Buffer.AsSpan(sample * outLength, outLength));
            else
                layer.BackwardSample(sample, layer.OutputGradient!.Buffer.AsSpan(sample * outLength, outLength), layer.InputGradient!.Buffer.AsSpan(sample * inLength, inLength));
        }
    }
}
