using Tailor.Common;
using Tailor.Layers;
using Tailor.Tensors;

namespace Tailor.Models;

/// <summary>
/// A built model used as one layer of another (Keras's nested model, "model (Functional)" in a summary): its
/// graph runs inside the outer one's, its weights are the outer model's too, and its input gradients flow back.
/// </summary>
[TypeName("Functional")]
internal sealed class ModelLayer : MultiInputLayer
{
    private Tensor[] _inputGradients = [];

    public ModelLayer(Model inner)
    {
        Inner = inner;
        Name = inner.Name;
    }

    public Model Inner { get; }

    public override int[] ComputeOutputShape(IReadOnlyList<int[]> inputShapes)
    {
        var expected = Inner.InputShapes;
        if (inputShapes.Count != expected.Count)
            throw new ArgumentException($"{Describe()} has {expected.Count} inputs, received {inputShapes.Count}.");
        for (int i = 0; i < expected.Count; i++)
            if (!inputShapes[i].AsSpan().SequenceEqual(expected[i]))
                throw new ArgumentException($"{Describe()} expects input {i} of shape {FormatBatchShape(expected[i])}, received {FormatBatchShape(inputShapes[i])}.");
        if (Inner.OutputShapes.Count != 1)
            throw new ArgumentException($"{Describe()} has {Inner.OutputShapes.Count} outputs; a model used as a layer must have one.");
        return (int[])Inner.OutputShapes[0].Clone();
    }

    // The inner model's weights, the same objects: the outer optimizer updates them.
    protected override void CreateParameters(Rng rng)
    {
        foreach (var p in Inner.Parameters) AddParameter(p);
    }

    public override Tensor Forward(IReadOnlyList<Tensor> inputs, bool training)
    {
        CheckInputs(inputs);
        for (int i = 0; i < inputs.Count; i++) Inner.SetInputValue(i, inputs[i]);
        return Inner.RunForward(training);
    }

    public override IReadOnlyList<Tensor> BackwardInputs(Tensor outputGradient)
    {
        CheckBuilt();
        Inner.RunBackward(outputGradient);
        if (_inputGradients.Length != InputShapes.Count) _inputGradients = new Tensor[InputShapes.Count];
        for (int i = 0; i < _inputGradients.Length; i++)
            _inputGradients[i] = Inner.InputGradient(i) ?? throw new InvalidOperationException($"{Describe()} computed no gradient for its input {i}.");
        return _inputGradients;
    }

    internal override void SetTrainingRng(Rng rng)
    {
        foreach (var layer in Inner.RunningLayers) layer.SetTrainingRng(rng.Split());
    }

    internal override void KeyTrainingDraws(int epoch, int step, int shard)
    {
        foreach (var layer in Inner.RunningLayers) layer.KeyTrainingDraws(epoch, step, shard);
    }

    internal override void UnkeyTrainingDraws()
    {
        foreach (var layer in Inner.RunningLayers) layer.UnkeyTrainingDraws();
    }
}
