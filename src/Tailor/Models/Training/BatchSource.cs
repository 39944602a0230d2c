using Tailor.Tensors;

namespace Tailor.Models.Training;

/// <summary>
/// Where a <see cref="Trainer"/> takes its samples from, as tf.data's and PyTorch's DataLoader's role: a
/// known number of samples of one shape, any of which can be copied into a batch by index. The trainer
/// owns the order (shuffles, shards); the source only fills the rows it is asked for, so that the same
/// seed draws the same batches from any source.
/// </summary>
public abstract class BatchSource
{
    /// <summary>The number of samples.</summary>
    public abstract int Count { get; }

    /// <summary>One sample's input shape, e.g. (28, 28, 1).</summary>
    public abstract int[] InputShape { get; }

    /// <summary>One sample's target shape, e.g. (10) for one-hot labels or (1) for a class index.</summary>
    public abstract int[] TargetShape { get; }

    /// <summary>Row i of <paramref name="x"/> and <paramref name="y"/> becomes sample order[start + i], for i &lt; count.</summary>
    public abstract void Gather(int[] order, int start, int count, Tensor x, Tensor y);

    /// <summary>
    /// Says that a pass begins (an epoch, a validation or evaluation): <see cref="Gather"/> will be asked for
    /// order[start..] in batches of <paramref name="batchSize"/>, in that order, with this same array, which does
    /// not change until <see cref="EndPass"/>. A source that reads from disk reads ahead from here; the default does nothing.
    /// </summary>
    public virtual void BeginPass(int[] order, int start, int batchSize) { }

    /// <summary>Says that the pass has ended, whole or cut short (an interruption, an error): stop reading ahead.</summary>
    public virtual void EndPass() { }
}
