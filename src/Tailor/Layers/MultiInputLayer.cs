using Tailor.Common;
using Tailor.Tensors;

namespace Tailor.Layers;

/// <summary>
/// A layer of several inputs (Keras's merge layers): built for one shape per input, run on one tensor per
/// input, its backward giving one gradient per input. A functional model hands it its inputs; the
/// one-input <see cref="Forward(Tensor, bool)"/> and <see cref="Backward(Tensor)"/> refuse.
/// </summary>
public abstract class MultiInputLayer : Layer
{
    private int[][] _inputShapes = [];

    /// <summary>The per-sample shape of each input, known once built.</summary>
    public IReadOnlyList<int[]> InputShapes => _inputShapes;

    /// <summary>Builds the layer for one per-sample shape per input; <see cref="Layer.InputShape"/> is the first's.</summary>
    public void Build(IReadOnlyList<int[]> inputShapes, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        int[][] shapes = [.. inputShapes.Select(s => (int[])s.Clone())];
        var output = ComputeOutputShape(shapes);
        _inputShapes = shapes;
        FinishBuild(shapes[0], output, rng);
    }

    /// <summary>The per-sample output shape for these inputs; throws, naming the layer and the shapes, when they do not fit together.</summary>
    public abstract int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes);

    /// <summary>Refuses one input: the layer takes a list.</summary>
    public sealed override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape) =>
        throw new ArgumentException($"{Describe()} merges several inputs; it was given one, of shape {FormatBatchShape(inputShape)}. Call it on a list of tensors.");

    /// <summary>Runs a batch of each input; the result is this layer's buffer, valid until its next forward.</summary>
    public abstract Tensor Forward(IReadOnlyList<Tensor> inputs, bool training);

    /// <summary>
    /// Given dL/d(output) of the last forward, returns dL/d(input) for each input, in the inputs' order (each valid
    /// until this layer's next backward; the same tensor may stand for several inputs, and none may be changed).
    /// </summary>
    public abstract IReadOnlyList<Tensor> BackwardInputs(Tensor outputGradient);

    public sealed override Tensor Forward(Tensor input, bool training) =>
        throw new InvalidOperationException($"{Describe()} merges several inputs: call Forward with a list of tensors.");

    public sealed override Tensor? Backward(Tensor outputGradient) =>
        throw new InvalidOperationException($"{Describe()} merges several inputs: call BackwardInputs.");

    /// <summary>Checks a batch of each input against the built shapes, all with one batch size.</summary>
    protected void CheckInputs(IReadOnlyList<Tensor> inputs)
    {
        CheckBuilt();
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != _inputShapes.Length)
            throw new ArgumentException($"{Describe()} was built for {_inputShapes.Length} inputs, received {inputs.Count}.");
        for (int i = 0; i < inputs.Count; i++)
        {
            var shape = inputs[i].Shape;
            if (shape.Length != _inputShapes[i].Length + 1 || !shape[1..].SequenceEqual(_inputShapes[i]) || shape[0] != inputs[0].Dim(0))
                throw new ArgumentException($"{Describe()} expects input {i} of shape {FormatBatchShape(_inputShapes[i])} with {inputs[0].Dim(0)} samples, received {inputs[i].ShapeString}.");
        }
    }
}
