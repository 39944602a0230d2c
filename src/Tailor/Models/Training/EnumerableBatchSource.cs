using Tailor.Tensors;

namespace Tailor.Models.Training;

/// <summary>
/// A user's own stream of batches as a <see cref="BatchSource"/>, as Keras's fit on a generator: each pass
/// (an epoch, a validation) enumerates the batches afresh from the factory and takes the first
/// <see cref="Count"/> rows in the order they come, whatever the size of the batches given; the trainer's
/// batches are cut from them row by row. A stream cannot be shuffled by the trainer: fit with
/// <c>shuffle: false</c> (and shuffle in the stream, if at all, from a seed, to keep runs repeatable).
/// </summary>
public sealed class EnumerableBatchSource : BatchSource
{
    private readonly Func<IEnumerable<(Tensor X, Tensor Y)>> _batches;
    private readonly int _count;
    private readonly int[] _inputShape, _targetShape;
    private IEnumerator<(Tensor X, Tensor Y)>? _pass;
    private (Tensor X, Tensor Y) _current;
    private int _offset, _delivered;

    /// <summary>
    /// A source of <paramref name="count"/> samples per pass from <paramref name="batches"/>, called once per
    /// pass; every batch holds samples first, (N, ...) inputs and (N, ...) targets of the same shapes throughout.
    /// </summary>
    public EnumerableBatchSource(Func<IEnumerable<(Tensor X, Tensor Y)>> batches, int count)
    {
        ArgumentNullException.ThrowIfNull(batches);
        Common.Guard.Positive(count);
        _batches = batches;
        _count = count;
        using var first = batches().GetEnumerator();
        if (!first.MoveNext()) throw new ArgumentException("The batches are empty: the first pass gave no batch.", nameof(batches));
        var (x, y) = first.Current;
        Check(x, y, 0);
        (_inputShape, _targetShape) = (x.Shape[1..].ToArray(), y.Shape[1..].ToArray());
    }

    /// <inheritdoc/>
    public override int Count => _count;

    /// <inheritdoc/>
    public override int[] InputShape => _inputShape;

    /// <inheritdoc/>
    public override int[] TargetShape => _targetShape;

    /// <inheritdoc/>
    public override void BeginPass(int[] order, int start, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(order);
        for (int i = 0; i < order.Length; i++)
            if (order[i] != i)
                throw new ArgumentException("A stream of batches is read in the order it comes and cannot be shuffled by the trainer; fit with shuffle: false.");
        EndPass();
        _pass = _batches().GetEnumerator();
        (_current, _offset, _delivered) = (default, 0, 0);
        // A resumed epoch starts past the rows already trained on.
        Skip(start);
    }

    /// <inheritdoc/>
    public override void EndPass()
    {
        _pass?.Dispose();
        _pass = null;
    }

    /// <inheritdoc/>
    public override void Gather(int[] order, int start, int count, Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (_pass == null || start != _delivered)
            throw new InvalidOperationException($"A stream of batches gives its rows in order within a pass; rows from {start} were asked for, the stream is at {(_pass == null ? "no pass" : _delivered.ToString())}.");
        int xItem = Tensor.SizeOf(_inputShape), yItem = Tensor.SizeOf(_targetShape);
        for (int row = 0; row < count;)
        {
            int rows = Math.Min(count - row, NextRows());
            _current.X.Buffer.AsSpan(_offset * xItem, rows * xItem).CopyTo(x.Buffer.AsSpan(row * xItem));
            _current.Y.Buffer.AsSpan(_offset * yItem, rows * yItem).CopyTo(y.Buffer.AsSpan(row * yItem));
            (_offset, row, _delivered) = (_offset + rows, row + rows, _delivered + rows);
        }
    }

    private void Skip(int rows)
    {
        while (rows > 0)
        {
            int step = Math.Min(rows, NextRows());
            (_offset, rows, _delivered) = (_offset + step, rows - step, _delivered + step);
        }
    }

    /// <summary>The rows left in the current batch, moving to the next batch when it is spent.</summary>
    private int NextRows()
    {
        while (_current.X == null || _offset == _current.X.Dim(0))
        {
            if (!_pass!.MoveNext())
                throw new InvalidOperationException($"The batches ended after {_delivered} rows; the source was given {_count} per pass.");
            _current = _pass.Current;
            _offset = 0;
            Check(_current.X, _current.Y, _delivered);
        }
        return _current.X.Dim(0) - _offset;
    }

    private void Check(Tensor x, Tensor y, int row)
    {
        if (x == null || y == null) throw new InvalidOperationException($"The batch at row {row} holds a null tensor.");
        if (x.Rank < 2 || y.Rank == 0 || x.Dim(0) != y.Dim(0))
            throw new InvalidOperationException($"The batch at row {row} has inputs {x.ShapeString} and targets {y.ShapeString}; both need the samples first, as many of each.");
        if (_inputShape != null && (!x.Shape[1..].SequenceEqual(_inputShape) || !y.Shape[1..].SequenceEqual(_targetShape)))
            throw new InvalidOperationException($"The batch at row {row} has inputs {x.ShapeString} and targets {y.ShapeString}; the first batch had samples of {Tensor.Format(_inputShape)} and {Tensor.Format(_targetShape)}.");
    }
}
