using System.Buffers.Binary;

namespace Tailor.Distribution.Mpi;

/// <summary>
/// A study's units on the ranks of an MPI job, handed out as ranks become free: rank 0 keeps the queue; every
/// other rank asks for a unit, computes it, sends its record back with the next request, and stops when the
/// queue is empty. Rank 0 computes units too, on a second thread, while its calling thread answers the
/// requests (polling between short sleeps): a rank that only coordinated would leave one core of P idle, and
/// on two ranks there would be no speed-up at all. Every MPI call is made from rank 0's calling thread, as
/// MPI_THREAD_SERIALIZED allows.
/// </summary>
public sealed class MpiUnitScheduler : UnitScheduler
{
    private const int ReadyTag = 1, ResultTag = 2, InterruptedTag = 3, UnitTag = 4, StopTag = 5;
    private readonly MpiTransport _mpi;

    /// <summary>Schedules units on the ranks of <paramref name="mpi"/>'s job; rank 0 coordinates.</summary>
    public MpiUnitScheduler(MpiTransport mpi)
    {
        ArgumentNullException.ThrowIfNull(mpi);
        _mpi = mpi;
    }

    /// <inheritdoc/>
    public override bool IsCoordinator => _mpi.Rank == 0;

    /// <inheritdoc/>
    public override int Workers => _mpi.Size;

    /// <inheritdoc/>
    public override bool Run(IReadOnlyList<int> units, Func<int, byte[]?> compute, Action<int, byte[]> finished)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(compute);
        ArgumentNullException.ThrowIfNull(finished);
        return IsCoordinator ? Coordinate(units, compute, finished) : Work(compute);
    }

    private bool Coordinate(IReadOnlyList<int> units, Func<int, byte[]?> compute, Action<int, byte[]> finished)
    {
        var queue = new Queue<int>(units);
        int working = _mpi.Size - 1, localUnit = -1;
        bool interrupted = false;
        Task<byte[]?>? local = null;
        for (int pause = 1; working > 0 || local != null || (!interrupted && queue.Count > 0);)
        {
            bool busy = false;
            if (local == null && !interrupted && queue.Count > 0)
            {
                int unit = localUnit = queue.Dequeue();
                local = Task.Factory.StartNew(() => compute(unit), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            if (local is { IsCompleted: true })
            {
                // A unit that failed here fails the run, on this thread.
                byte[]? record = local.GetAwaiter().GetResult();
                local = null;
                if (record == null) interrupted = true;
                else finished(localUnit, record);
                busy = true;
            }
            if (_mpi.TryReceive() is var (source, tag, message))
            {
                if (tag == ResultTag) finished(BinaryPrimitives.ReadInt32LittleEndian(message), message[sizeof(int)..]);
                else if (tag == InterruptedTag) interrupted = true;
                else if (tag != ReadyTag) throw new InvalidOperationException($"Rank {source} sent a message with tag {tag}, which the unit scheduler does not send.");
                if (!interrupted && queue.Count > 0) _mpi.Send(source, UnitTag, UnitBytes(queue.Dequeue()));
                else
                {
                    _mpi.Send(source, StopTag, [interrupted ? (byte)1 : (byte)0]);
                    working--;
                }
                busy = true;
            }
            if (busy) pause = 1;
            else
            {
                Thread.Sleep(pause);
                pause = Math.Min(2 * pause, MpiTransport.MaxPauseMilliseconds);
            }
        }
        return !interrupted;
    }

    private bool Work(Func<int, byte[]?> compute)
    {
        _mpi.Send(0, ReadyTag, []);
        while (true)
        {
            var (_, tag, message) = _mpi.Receive(0);
            if (tag == StopTag) return message[0] == 0;
            int unit = BinaryPrimitives.ReadInt32LittleEndian(message);
            if (compute(unit) is { } record)
            {
                var reply = new byte[sizeof(int) + record.Length];
                BinaryPrimitives.WriteInt32LittleEndian(reply, unit);
                record.CopyTo(reply, sizeof(int));
                _mpi.Send(0, ResultTag, reply);
            }
            else _mpi.Send(0, InterruptedTag, UnitBytes(unit));
        }
    }

    private static byte[] UnitBytes(int unit)
    {
        var bytes = new byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, unit);
        return bytes;
    }
}
