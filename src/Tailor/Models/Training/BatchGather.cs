using System.Runtime.CompilerServices;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Models.Training;

/// <summary>
/// Copies the rows of a shuffled batch out of the training set over both cores. Each row is a plain
/// copy, so the split changes nothing but the time: serial, gathering 128 rows from scattered places of
/// the training set took about a sixth of a dense training step.
/// </summary>
internal sealed class BatchGather : ParallelJob
{
    private const int RowsPerTask = 16;
    private Tensor? _x, _y, _xb, _yb;
    private int[]? _order;
    private int _start, _count;

    /// <summary>Row i of xb and yb becomes row order[start + i] of x and y, for i &lt; count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(Tensor x, Tensor y, int[] order, int start, int count, Tensor xb, Tensor yb)
    {
        (_x, _y, _order, _start, _count, _xb, _yb) = (x, y, order, start, count, xb, yb);
        try { WorkerPool.Run(this, (count + RowsPerTask - 1) / RowsPerTask); }
        finally { (_x, _y, _order, _xb, _yb) = (null, null, null, null, null); }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(int task)
    {
        int xItem = _x!.ItemLength, yItem = _y!.ItemLength;
        int first = task * RowsPerTask, last = Math.Min(_count, first + RowsPerTask);
        for (int i = first; i < last; i++)
        {
            int row = _order![_start + i];
            _x.Buffer.AsSpan(row * xItem, xItem).CopyTo(_xb!.Buffer.AsSpan(i * xItem));
            _y.Buffer.AsSpan(row * yItem, yItem).CopyTo(_yb!.Buffer.AsSpan(i * yItem));
        }
    }
}
