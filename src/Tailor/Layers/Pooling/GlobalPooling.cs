using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Layers.Pooling;

/// <summary>
/// Reduces every position of a sample to one value per channel: (steps, C) or (height, width, C) to (C),
/// as Keras's global pooling layers with keepdims=False. One task per sample.
/// </summary>
public abstract class GlobalPooling : Layer
{
    private readonly SampleJob _job;
    private Tensor? _input;
    private Tensor? _output;
    private Tensor? _outputGradient;
    private Tensor? _inputGradient;

    /// <param name="spatialAxes">1 for sequences, 2 for images.</param>
    private protected GlobalPooling(int spatialAxes, string? name)
    {
        SpatialAxes = spatialAxes;
        Name = name;
        _job = new SampleJob(this);
    }

    /// <summary>Axes reduced besides the batch: 1 (steps) or 2 (height, width).</summary>
    public int SpatialAxes { get; }

    protected int Channels => InputShape[^1];

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length != SpatialAxes + 1)
            throw new ArgumentException($"{Describe()} expects input of shape {(SpatialAxes == 1 ? "(None, steps, channels)" : "(None, height, width, channels)")}, received shape {FormatBatchShape(inputShape)}.");
        return [inputShape[^1]];
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        int batch = input.Dim(0);
        _input = input;
        Ensure(ref _output, batch, OutputShape);
        PrepareForward(batch);
        _job.Backward = false;
        WorkerPool.Run(_job, batch);
        return _output!;
    }

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

    protected virtual void PrepareForward(int batch) { }

    protected abstract void ForwardSample(int sample, ReadOnlySpan<float> input, Span<float> output);

    protected abstract void BackwardSample(int sample, ReadOnlySpan<float> outputGradient, Span<float> inputGradient);

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["data_format"] = "channels_last";
        config["keepdims"] = false;
        return config;
    }

    private sealed class SampleJob(GlobalPooling layer) : ParallelJob
    {
        public bool Backward;

        public override void Run(int sample)
        {
            int inLength = Tensor.SizeOf(layer.InputShape), c = layer.Channels;
            if (!Backward)
                layer.ForwardSample(sample, layer._input!.Buffer.AsSpan(sample * inLength, inLength), layer._output!.Buffer.AsSpan(sample * c, c));
            else
                layer.BackwardSample(sample, layer._outputGradient!.Buffer.AsSpan(sample * c, c), layer._inputGradient!.Buffer.AsSpan(sample * inLength, inLength));
        }
    }
}
