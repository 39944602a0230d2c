using System.Diagnostics;

namespace Tailor.Threading;

/// <summary>
/// Persistent worker threads that run the tasks of a <see cref="ParallelJob"/> together with the
/// calling thread. Which thread runs a task never changes a result: every kernel partitions its work
/// by the problem size, not by the number of threads, so outputs are bit-identical for any count.
/// Nested calls (from inside a task) run inline.
/// </summary>
public static class WorkerPool
{
    private static readonly object Gate = new();
    private static Worker[] _workers = [];
    private static int _threads = Math.Max(1, Environment.ProcessorCount);
    private static ParallelJob? _job;
    private static int _taskCount;
    private static int _nextTask;
    private static int _running;
    [ThreadStatic] private static bool _insideJob;
    [ThreadStatic] private static int _slot;

    /// <summary>
    /// Which participant of a job the current thread is: 0 for the caller, 1 + i for worker i. Kernels
    /// index per-thread scratch by it, so scratch can be allocated up front rather than on a worker's
    /// first task (which, on a busy machine, may come late).
    /// </summary>
    internal static int CurrentSlot => _slot;

    /// <summary>Slots a job may use now: the caller's and one per worker that may run.</summary>
    internal static int SlotCount => Math.Max(_threads, _workers.Length + 1);

    /// <summary>Threads used for kernels, the caller included. Defaults to the processor count.</summary>
    public static int Threads
    {
        get => _threads;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(Threads), $"Threads must be at least 1, received {value}.");
            lock (Gate) _threads = value;
        }
    }

    public static void Run(ParallelJob job, int taskCount)
    {
        if (taskCount <= 0) return;
        if (taskCount == 1 || _threads == 1 || _insideJob || !Monitor.TryEnter(Gate))
        {
            RunInline(job, taskCount);
            return;
        }
        try
        {
            EnsureWorkers(_threads - 1);
            int helpers = Math.Min(_threads - 1, taskCount - 1);
            _job = job;
            _taskCount = taskCount;
            _nextTask = 0;
            _running = helpers;
            for (int i = 0; i < helpers; i++) _workers[i].Wake();
            _insideJob = true;
            try { Drain(job, taskCount); }
            finally { _insideJob = false; }
            var spin = new SpinWait();
            while (Volatile.Read(ref _running) > 0) spin.SpinOnce(sleep1Threshold: -1);
            _job = null;
            Exception? failure = null;
            for (int i = 0; i < helpers; i++)
            {
                failure ??= _workers[i].Failure;
                _workers[i].Failure = null;
            }
            if (failure != null) throw new AggregateException("A parallel kernel task failed.", failure);
        }
        finally { Monitor.Exit(Gate); }
    }

    private static void RunInline(ParallelJob job, int taskCount)
    {
        bool outer = _insideJob;
        _insideJob = true;
        try { for (int t = 0; t < taskCount; t++) job.Run(t); }
        finally { _insideJob = outer; }
    }

    private static void Drain(ParallelJob job, int taskCount)
    {
        while (true)
        {
            int t = Interlocked.Increment(ref _nextTask) - 1;
            if (t >= taskCount) return;
            job.Run(t);
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (_workers.Length >= count) return;
        var grown = new Worker[count];
        Array.Copy(_workers, grown, _workers.Length);
        for (int i = _workers.Length; i < count; i++) grown[i] = new Worker(i);
        _workers = grown;
    }

    private sealed class Worker
    {
        private readonly SemaphoreSlim _wake = new(0);
        private readonly int _index;
        public Exception? Failure;

        public Worker(int index)
        {
            _index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"tailor-worker-{index}" };
            thread.Start();
        }

        public void Wake() => _wake.Release();

        private void Loop()
        {
            _insideJob = true;
            _slot = _index + 1;
            while (true)
            {
                // Spin briefly before sleeping: kernels come in quick succession during training.
                if (!_wake.Wait(0))
                {
                    long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2000;
                    bool woke = false;
                    while (Stopwatch.GetTimestamp() < until)
                    {
                        if (_wake.Wait(0)) { woke = true; break; }
                        Thread.SpinWait(20);
                    }
                    if (!woke) _wake.Wait();
                }
                var job = _job!;
                try { Drain(job, _taskCount); }
                catch (Exception e) { Failure = e; }
                Interlocked.Decrement(ref _running);
            }
        }
    }
}
