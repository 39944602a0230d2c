using System.Runtime.ExceptionServices;
using Tailor.Models.Training;
using Tailor.Tensors;
using Tailor.Threading;

namespace Tailor.Data.Images;

/// <summary>
/// An image folder as a <see cref="BatchSource"/> read from disk batch by batch, as tf.data's and PyTorch's
/// DataLoader's: during a pass background threads decode the batches to come, up to <see cref="Prefetch"/>
/// ahead, while the model trains on the current one. Memory holds those batches and, within a budget, the
/// folder's small files still encoded (<see cref="ImageFolder.EncodedBytes"/>), never the decoded folder, so a
/// folder larger than memory trains. The pixels are <see cref="ImageFolder.Read"/>'s, scaled as the cached
/// folder's, and the trainer owns the order: a streamed folder trains bit for bit as the same images in memory.
/// </summary>
/// <remarks>One pass at a time, as a trainer runs them; dispose the source to end its threads.</remarks>
public sealed class ImageFolderSource : BatchSource, IDisposable
{
    private readonly ImageFolder _folder;
    private readonly int[] _rows;
    private readonly int[] _inputShape, _targetShape;
    private readonly int _imageBytes, _classes;
    private readonly object _gate = new();
    private Slot[] _slots = [];
    private Thread[] _threads = [];
    private bool _stopping;
    private int _busy;

    // The pass in progress: its order, first row, batch size and batch count, the batches claimed by a decoder and taken.
    private int[]? _order;
    private int _start, _batchSize, _batches, _claimed, _taken, _pass;

    /// <summary>
    /// The images of <paramref name="folder"/> (or those at <paramref name="rows"/>, in that order) with one-hot
    /// labels; <paramref name="inputShape"/> reshapes each image (the same number of values, e.g. flat for a
    /// dense model). <paramref name="prefetch"/> batches are decoded ahead at most. Files the folder holds
    /// encoded (<see cref="ImageFolder.EncodedBytes"/>) are decoded from memory; the decoded images are never kept.
    /// </summary>
    public ImageFolderSource(ImageFolder folder, IReadOnlyList<int>? rows = null, int[]? inputShape = null, int prefetch = 4)
    {
        ArgumentNullException.ThrowIfNull(folder);
        Common.Guard.Positive(prefetch);
        _folder = folder;
        _rows = rows == null ? [.. Enumerable.Range(0, folder.Count)] : [.. rows];
        foreach (int row in _rows)
            if (row < 0 || row >= folder.Count) throw new ArgumentOutOfRangeException(nameof(rows), $"Row {row} is outside the {folder.Count} images of '{folder.Directory}'.");
        _imageBytes = folder.Options.BytesPerImage;
        _inputShape = inputShape == null ? folder.SampleShape : [.. inputShape];
        if (Tensor.SizeOf(_inputShape) != _imageBytes)
            throw new ArgumentException($"An input of shape {Tensor.Format(_inputShape)} does not hold the {_imageBytes} values of a {Tensor.Format(folder.SampleShape)} image.", nameof(inputShape));
        _classes = folder.ClassNames.Count;
        _targetShape = [_classes];
        Prefetch = prefetch;
    }

    /// <summary>The most batches decoded ahead of the one being trained on.</summary>
    public int Prefetch { get; }

    /// <summary>
    /// The decoding threads, one per core: at the lowest priority they run on what training leaves idle, and
    /// when training waits for a batch they all decode it.
    /// </summary>
    private static int Decoders => WorkerPool.Threads;

    /// <inheritdoc/>
    public override int Count => _rows.Length;

    /// <inheritdoc/>
    public override int[] InputShape => _inputShape;

    /// <inheritdoc/>
    public override int[] TargetShape => _targetShape;

    /// <summary>The label of each sample, in source order.</summary>
    public int LabelOf(int sample) => _folder.Labels[_rows[sample]];

    /// <inheritdoc/>
    public override void BeginPass(int[] order, int start, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(order);
        Common.Guard.Positive(batchSize);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            WaitIdle();
            if (_slots.Length != Prefetch || _slots[0].Pixels.Length < batchSize * _imageBytes)
                _slots = [.. Enumerable.Range(0, Prefetch).Select(_ => new Slot(new byte[batchSize * _imageBytes]))];
            (_order, _start, _batchSize) = (order, start, batchSize);
            _batches = (int)(((long)Math.Max(0, order.Length - start) + batchSize - 1) / batchSize);
            (_claimed, _taken) = (0, 0);
            foreach (var slot in _slots) slot.Batch = -1;
            _pass++;
            if (_threads.Length == 0)
            {
                _threads = [.. Enumerable.Range(0, Decoders).Select(i => new Thread(DecodeAhead) { IsBackground = true, Name = $"Tailor image decoder {i + 1}" })];
                foreach (var thread in _threads) thread.Start();
            }
            Monitor.PulseAll(_gate);
        }
    }

    /// <inheritdoc/>
    public override void EndPass()
    {
        lock (_gate)
        {
            _order = null;
            _pass++;
            // The order may change once the pass ends: the decoders must be done reading it.
            WaitIdle();
        }
    }

    /// <inheritdoc/>
    public override void Gather(int[] order, int start, int count, Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (start < 0 || count < 0 || start + count > order.Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows [{start}, {start + count}) are outside the order of {order.Length} samples.");
        Slot? slot = null;
        lock (_gate)
        {
            if (ReferenceEquals(order, _order) && _taken < _batches && start == _start + _taken * _batchSize && count <= _batchSize)
            {
                slot = _slots[_taken % Prefetch];
                while (slot.Batch != _taken) Monitor.Wait(_gate);
            }
        }
        if (slot == null) Decode(order, start, count, x.Span);
        else
        {
            try
            {
                slot.Error?.Throw();
                PixelScaling.ToUnitRange(slot.Pixels.AsSpan(0, count * _imageBytes), x.Span);
            }
            finally
            {
                lock (_gate)
                {
                    slot.Batch = -1;
                    _taken++;
                    Monitor.PulseAll(_gate);
                }
            }
        }
        var targets = y.Span[..(count * _classes)];
        targets.Clear();
        for (int i = 0; i < count; i++) targets[i * _classes + LabelOf(order[start + i])] = 1f;
    }

    public void Dispose()
    {
        Thread[] threads;
        lock (_gate)
        {
            _stopping = true;
            _order = null;
            _pass++;
            Monitor.PulseAll(_gate);
            threads = _threads;
        }
        foreach (var thread in threads) thread.Join();
    }

    /// <summary>A decoding thread: claims the pass's next batch whenever a slot is free, decodes it, marks it ready.</summary>
    private void DecodeAhead()
    {
        BackgroundPriority.LowerCurrentThread();
        while (true)
        {
            int[] order;
            int pass, batch, start, count;
            Slot slot;
            lock (_gate)
            {
                while (!_stopping && (_order == null || _claimed >= _batches || _claimed - _taken >= Prefetch)) Monitor.Wait(_gate);
                if (_stopping) return;
                (order, pass, batch) = (_order!, _pass, _claimed++);
                start = _start + batch * _batchSize;
                count = Math.Min(_batchSize, order.Length - start);
                slot = _slots[batch % Prefetch];
                _busy++;
            }
            slot.Error = null;
            try
            {
                for (int i = 0; i < count; i++) _folder.ReadImage(_rows[order[start + i]], slot.Pixels.AsSpan(i * _imageBytes, _imageBytes));
            }
            catch (Exception e) when (e is DataFormatException or IOException or UnauthorizedAccessException)
            {
                // Handed to the trainer with the batch: the file is named where training stops.
                slot.Error = ExceptionDispatchInfo.Capture(e);
            }
            lock (_gate)
            {
                _busy--;
                if (pass == _pass) slot.Batch = batch;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Waits, holding the gate's monitor, until every decoder is between batches.</summary>
    private void WaitIdle()
    {
        while (_busy > 0) Monitor.Wait(_gate);
    }

    /// <summary>Decodes rows outside a pass (or out of its order) on the calling thread and the worker pool.</summary>
    private void Decode(int[] order, int start, int count, Span<float> destination)
    {
        var bytes = new byte[count * _imageBytes];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = WorkerPool.Threads },
            i => _folder.ReadImage(_rows[order[start + i]], bytes.AsSpan(i * _imageBytes, _imageBytes)));
        PixelScaling.ToUnitRange(bytes, destination);
    }

    private sealed class Slot(byte[] pixels)
    {
        public byte[] Pixels { get; } = pixels;

        public ExceptionDispatchInfo? Error { get; set; }

        /// <summary>The batch of the pass the slot holds, decoded; -1 while it holds none.</summary>
        public int Batch { get; set; } = -1;
    }
}
