using Tailor.Tensors;

namespace Tailor.Layers.Core;

/// <summary>Flattens each sample to one axis in row-major (height, width, channel) order, as Keras does; no copy.</summary>
public sealed class Flatten : Layer
{
    private Tensor? _output;
    private Tensor? _inputGradient;

    public Flatten(string? name = null) => Name = name;

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length == 0) throw new ArgumentException($"{Describe()} needs input with at least one axis besides the batch.");
        return [Tensor.SizeOf(inputShape)];
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        return View(ref _output, input, OutputShape);
    }

    public override Tensor? Backward(Tensor outputGradient) =>
        ComputeInputGradient ? View(ref _inputGradient, outputGradient, InputShape) : null;

    /// <summary>A tensor over the same buffer with another per-sample shape, cached so that no batch allocates.</summary>
    private static Tensor View(ref Tensor? view, Tensor source, ReadOnlySpan<int> itemShape)
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
}
