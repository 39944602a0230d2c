using System.Runtime.CompilerServices;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Layers;

/// <summary>
/// A weightless layer that maps each sample on its own (pooling of every kind): one parallel task per
/// sample, forward and backward, with the output and input-gradient buffers reused from batch to batch.
/// </summary>
public abstract class SampleParallelLayer : Layer
{
    private SampleJob _job;
    private Tensor? _input;
    private Tensor? _output;
    private Tensor? _outputGradient;
    private Tensor? _inputGradient;

    protected SampleParallelLayer(string? name)
    {
        Name = name;
        _job = new SampleJob(this);
    }

    // A twin's job must run the twin, not the layer it was copied from.
    private protected override void OnTwinCreated() => _job = new SampleJob(this);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        int batch = input.Dim(0);
        _input = input;
        Training = training;
        Ensure(ref _output, batch, OutputShape);
        PrepareForward(batch);
        _job.Backward = false;
        WorkerPool.Run(_job, batch);
        return _output!;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override Tensor? Backward(Tensor outputGradient)
    {
        if (!ComputeInputGradient) return null;
        int batch = outputGradient.Dim(0);
        _outputGradient = outputGradient;
        Ensure(ref _inputGradient, batch, InputShape);
        _job.Backward = true;
        WorkerPool.Run(_job, batch);
        return _inputGradient;
    }

    /// <summary>
    /// The output buffer of a pass whose samples another layer writes: the convolution before a max pooling pools
    /// each of its samples while it is in cache (<see cref="Convolutional.Convolution.ForwardPooled"/>). This layer
    /// never sees its input, so no backward pass of its own may follow; in training the convolution's routes its
    /// gradient instead (<see cref="Convolutional.Convolution.BackwardThroughPool"/>).
    /// </summary>
    internal Tensor OutputOfFusedPass(int batch, bool training)
    {
        _input = null;
        Training = training;
        Ensure(ref _output, batch, OutputShape);
        PrepareForward(batch);
        return _output!;
    }

    /// <summary>The output of the last forward pass.</summary>
    internal Tensor? Output => _output;

    /// <summary>Whether the last forward pass ran in training mode (a backward pass may follow).</summary>
    private protected bool Training { get; private set; }

    /// <summary>Sample <paramref name="sample"/> of the last forward pass's input.</summary>
    private protected ReadOnlySpan<float> InputOf(int sample)
    {
        int length = Tensor.SizeOf(InputShape);
        return _input!.Buffer.AsSpan(sample * length, length);
    }

    /// <summary>Sizes per-batch state (e.g. argmax indices) before the samples run in parallel.</summary>
    protected virtual void PrepareForward(int batch) { }

    protected abstract void ForwardSample(int sample, ReadOnlySpan<float> input, Span<float> output);

    protected abstract void BackwardSample(int sample, ReadOnlySpan<float> outputGradient, Span<float> inputGradient);

    private sealed class SampleJob(SampleParallelLayer layer) : ParallelJob
    {
        public bool Backward;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(int sample)
        {
            int inLength = Tensor.SizeOf(layer.InputShape), outLength = Tensor.SizeOf(layer.OutputShape);
            if (!Backward)
                layer.ForwardSample(sample, layer._input!.Buffer.AsSpan(sample * inLength, inLength), layer._output!.Buffer.AsSpan(sample * outLength, outLength));
            else
                layer.BackwardSample(sample, layer._outputGradient!.Buffer.AsSpan(sample * outLength, outLength), layer._inputGradient!.Buffer.AsSpan(sample * inLength, inLength));
        }
    }
}
