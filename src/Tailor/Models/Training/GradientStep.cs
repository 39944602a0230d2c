using System.Runtime.CompilerServices;
using Tailor.Metrics;
using Tailor.Tensors;

namespace Tailor.Models.Training;

/// <summary>
/// How a batch's gradient is computed and combined: the part of a <see cref="Trainer"/>'s train step that
/// data-parallel training replaces (cutting the batch into fixed shards, each computed by a thread or a
/// process, their gradients added in shard order) without forking the loop around it.
/// </summary>
public abstract class GradientStep
{
    /// <summary>
    /// Fills every parameter's gradient with that of the batch's mean loss (regularization penalties included),
    /// each sample's loss weighted by <paramref name="sampleWeights"/> when it is not empty, adds the batch to
    /// <paramref name="metrics"/> and returns that loss. The model is built and compiled, and
    /// <paramref name="x"/> and <paramref name="y"/> hold one batch in the shapes it takes.
    /// </summary>
    public abstract float Compute(Model model, Tensor x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics);

    /// <summary>
    /// <see cref="Compute(Model, Tensor, Tensor, ReadOnlySpan{float}, IReadOnlyList{Metric})"/> for step
    /// <paramref name="step"/> of epoch <paramref name="epoch"/> (both from 0), what the <see cref="Trainer"/> calls:
    /// a step that keys its random draws by batch (sharded data parallelism) needs to know which one it is.
    /// </summary>
    public virtual float Compute(Model model, Tensor x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics, int epoch, int step) =>
        Compute(model, x, y, sampleWeights, metrics);
}

/// <summary>The whole batch in one forward and one backward pass, on the model's own threads: the default.</summary>
public sealed class WholeBatchGradient : GradientStep
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override float Compute(Model model, Tensor x, Tensor y, ReadOnlySpan<float> sampleWeights, IReadOnlyList<Metric> metrics) =>
        model.ComputeGradients(x, y, sampleWeights, metrics);
}
