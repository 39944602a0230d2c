using System.Runtime.CompilerServices;
using Tailor.Tensors;

namespace Tailor.Models.Training;

/// <summary>Samples held in memory: row i of <see cref="X"/> and <see cref="Y"/> is sample i.</summary>
public sealed class TensorBatchSource : BatchSource
{
    private readonly BatchGather _gather = new();

    /// <summary>Wraps <paramref name="x"/> and <paramref name="y"/> (not copied); both must hold the same number of rows.</summary>
    public TensorBatchSource(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Rank < 2) throw new ArgumentException($"x must be a batch of samples, received shape {x.ShapeString}.", nameof(x));
        if (y.Rank == 0 || y.Dim(0) != x.Dim(0))
            throw new ArgumentException($"x and y must hold the same number of samples: x has {x.Dim(0)} ({x.ShapeString}), y has {(y.Rank == 0 ? 0 : y.Dim(0))} ({y.ShapeString}).", nameof(y));
        (X, Y) = (x, y);
        // Kept, not derived per call: the trainer asks for them every batch and must not allocate.
        (_inputShape, _targetShape) = (x.Shape[1..].ToArray(), y.Shape[1..].ToArray());
    }

    private readonly int[] _inputShape, _targetShape;

    public Tensor X { get; }

    public Tensor Y { get; }

    /// <inheritdoc/>
    public override int Count => X.Dim(0);

    /// <inheritdoc/>
    public override int[] InputShape => _inputShape;

    /// <inheritdoc/>
    public override int[] TargetShape => _targetShape;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Gather(int[] order, int start, int count, Tensor x, Tensor y) => _gather.Run(X, Y, order, start, count, x, y);
}
