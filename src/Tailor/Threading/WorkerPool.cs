using System.Runtime.CompilerServices;
using System.Diagnostics;

namespace Tailor.Threading;

/// <summary>
/// Persistent worker threads that run the tasks of a <see cref="ParallelJob"/> together with the
/// calling thread. Each participant owns a contiguous block of the tasks and others take from it only
/// while it stalls. Which thread runs a task never changes a result: every kernel partitions its work
/// by the problem size, not by the number of threads, so outputs are bit-identical for any count.
/// Nested calls (from inside a task) run inline.
/// </summary>
internal static class WorkerPool
{
    private static readonly object Gate = new();
    private static Worker[] _workers = [];
    private static int _threads = Math.Clamp(Environment.ProcessorCount, 1, 256);
    private static ParallelJob? _job;
    private static int _participants;
    /// <summary>One task range per participant, 128 bytes apart so that two threads never share a cache line.</summary>
    private const int RangeStride = 16;
    private static long[] _ranges = new long[RangeStride];
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

    /// <summary>The thread counts <see cref="Threads"/> accepts: each is an OS thread with its own stack, and more than the cores only wait.</summary>
    public static readonly Common.ValueRange ThreadsRange = new(1, 256);

    /// <summary>Threads used for kernels, the caller included. Defaults to the processor count (at most 256).</summary>
    public static int Threads
    {
        get => _threads;
        set
        {
            if (!ThreadsRange.Contains(value)) throw new ArgumentOutOfRangeException(nameof(Threads), $"Threads must be {ThreadsRange.Text}, received {value}.");
            lock (Gate) _threads = value;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            if (_ranges.Length < (helpers + 1) * RangeStride) _ranges = new long[(helpers + 1) * RangeStride];
            Deal(taskCount, helpers + 1);
            _running = helpers;
            for (int i = 0; i < helpers; i++) _workers[i].Wake();
            _insideJob = true;
            try { Drain(job); }
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunInline(ParallelJob job, int taskCount)
    {
        bool outer = _insideJob;
        _insideJob = true;
        try { for (int t = 0; t < taskCount; t++) job.Run(t); }
        finally { _insideJob = outer; }
    }

    /// <summary>
    /// Runs this thread's share of the tasks, then helps with what is left of the others'. Participant
    /// s owns the s-th contiguous block of tasks, so every kernel of a step gives a thread the same part
    /// of the batch and its data stays in that core's cache: dealt out in turn, tasks move activations
    /// between cores, which on this kind of VM made memory-bound kernels slower on two threads than on one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Drain(ParallelJob job)
    {
        int own = _slot, parts = _participants;
        long start = Stopwatch.GetTimestamp();
        int done = 0;
        while (TakeFront(own, out int task)) { job.Run(task); done++; }
        // Another participant counts as stalled once it has started no task for twice as long as ours took.
        long stall = done == 0 ? MinStallTicks : Math.Max(MinStallTicks, 2 * (Stopwatch.GetTimestamp() - start) / done);
        for (int i = 1; i < parts; i++) HelpWhileStalled(job, (own + i) % parts, stall);
    }

    /// <summary>
    /// Waits for another participant to finish its block, taking its last tasks only while it makes no
    /// progress (not yet woken, or preempted): taking them whenever it is merely behind would move the
    /// boundary of the blocks, and their data, from core to core at every kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HelpWhileStalled(ParallelJob job, int victim, long stallTicks)
    {
        ref long range = ref _ranges[victim * RangeStride];
        int dealtStart = (int)_ranges[victim * RangeStride + 1];
        long seen = Volatile.Read(ref range), since = Stopwatch.GetTimestamp();
        while ((int)seen < (int)(seen >> 32))
        {
            // Not one of its tasks started while this thread ran its whole block: it has not been scheduled
            // (a busy machine), and waiting for it only adds its delay to ours.
            bool neverStarted = (int)seen == dealtStart;
            if (!neverStarted) Thread.SpinWait(10);
            long now = Volatile.Read(ref range), time = Stopwatch.GetTimestamp();
            if ((int)now != (int)seen) { seen = now; since = time; continue; }
            seen = now;
            if (!neverStarted && time - since < stallTicks) continue;
            // Stalled: keep taking its tasks until it starts one again.
            if (TakeBack(victim, out int task)) job.Run(task);
            seen = Volatile.Read(ref range);
        }
    }

    /// <summary>2 microseconds: about what waking a spinning worker takes.</summary>
    private static readonly long MinStallTicks = Stopwatch.Frequency / 500_000;

    /// <summary>Deals contiguous blocks of the tasks to the participants: the range of s is packed as (end, next), and the start it was dealt kept beside it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Deal(int taskCount, int participants)
    {
        _participants = participants;
        for (int s = 0; s < participants; s++)
        {
            long start = (long)taskCount * s / participants, end = (long)taskCount * (s + 1) / participants;
            _ranges[s * RangeStride + 1] = start;
            Volatile.Write(ref _ranges[s * RangeStride], end << 32 | start);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TakeFront(int slot, out int task)
    {
        ref long range = ref _ranges[slot * RangeStride];
        while (true)
        {
            long state = Volatile.Read(ref range);
            int next = (int)state, end = (int)(state >> 32);
            task = next;
            if (next >= end) return false;
            if (Interlocked.CompareExchange(ref range, state + 1, state) == state) return true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TakeBack(int slot, out int task)
    {
        ref long range = ref _ranges[slot * RangeStride];
        while (true)
        {
            long state = Volatile.Read(ref range);
            int next = (int)state, end = (int)(state >> 32);
            task = end - 1;
            if (next >= end) return false;
            if (Interlocked.CompareExchange(ref range, (long)(end - 1) << 32 | (uint)next, state) == state) return true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EnsureWorkers(int count)
    {
        if (_workers.Length >= count) return;
        var grown = new Worker[count];
        Array.Copy(_workers, grown, _workers.Length);
        for (int i = _workers.Length; i < count; i++) grown[i] = new Worker(i);
        _workers = grown;
    }

    /// <summary>Spins between yields while a worker waits for the next kernel.</summary>
    private const int YieldEvery = 16;

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

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                    for (int spins = 1; Stopwatch.GetTimestamp() < until; spins++)
                    {
                        if (_wake.Wait(0)) { woke = true; break; }
                        Thread.SpinWait(20);
                        // Now and then hands the core to another ready thread (the runtime's tiering compiler, the GC):
                        // without it, a program with .NET's default settings trained on unoptimised code for many epochs.
                        if (spins % YieldEvery == 0) Thread.Yield();
                    }
                    if (!woke) _wake.Wait();
                }
                var job = _job!;
                try { Drain(job); }
                catch (Exception e) { Failure = e; }
                Interlocked.Decrement(ref _running);
            }
        }
    }
}
