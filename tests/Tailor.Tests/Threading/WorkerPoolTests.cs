using Tailor.Tests.Kernels;
using Tailor.Threading;

namespace Tailor.Tests.Threading;

[Collection(GlobalSwitches.Name)]
public class WorkerPoolTests
{
    /// <summary>Counts how often each task ran; a task may stall its thread to make the others take over.</summary>
    private sealed class CountingJob(int tasks, Func<int, int> sleepMilliseconds) : ParallelJob
    {
        public readonly int[] Runs = new int[tasks];
        public readonly int[] Slots = new int[tasks];

        public override void Run(int task)
        {
            int sleep = sleepMilliseconds(task);
            if (sleep > 0) Thread.Sleep(sleep);
            Interlocked.Increment(ref Runs[task]);
            Slots[task] = WorkerPool.CurrentSlot;
        }
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(97, 2)]
    [InlineData(1000, 2)]
    [InlineData(7, 3)]
    [InlineData(1001, 4)]
    public void Every_task_runs_exactly_once(int tasks, int threads) => WithThreads(threads, () =>
    {
        for (int repeat = 0; repeat < 20; repeat++)
        {
            var job = new CountingJob(tasks, _ => 0);
            WorkerPool.Run(job, tasks);
            Assert.All(job.Runs, runs => Assert.Equal(1, runs));
        }
    });

    [Fact]
    public void A_stalled_participant_s_tasks_are_taken_by_the_other() => WithThreads(2, () =>
    {
        // The first task of the second block stalls its runner for 300 ms, as a preempted thread would:
        // the rest of that block must not wait for it.
        const int tasks = 40;
        var job = new CountingJob(tasks, task => task == tasks / 2 ? 300 : 1);
        WorkerPool.Run(job, tasks);
        Assert.All(job.Runs, runs => Assert.Equal(1, runs));
        int stalledSlot = job.Slots[tasks / 2];
        int takenOver = Enumerable.Range(tasks / 2 + 1, tasks / 2 - 1).Count(t => job.Slots[t] != stalledSlot);
        Assert.True(takenOver >= tasks / 2 - 2, $"only {takenOver} of the stalled block's other {tasks / 2 - 1} tasks ran elsewhere");
    });

    [Fact]
    public void Unstalled_participants_keep_their_own_contiguous_blocks() => WithThreads(2, () =>
    {
        // Equal tasks of a millisecond: the caller starts at the front of its own half (the worker at the
        // front of the other) and another thread takes from the back only of a stalled half.
        const int tasks = 20;
        var job = new CountingJob(tasks, _ => 1);
        WorkerPool.Run(job, tasks);
        Assert.All(job.Runs, runs => Assert.Equal(1, runs));
        Assert.All(job.Slots.Take(3), slot => Assert.Equal(0, slot));
    });

    [Fact]
    public void A_failing_task_surfaces_as_an_exception_and_the_pool_keeps_working() => WithThreads(2, () =>
    {
        var failing = new FailingJob();
        Assert.ThrowsAny<Exception>(() => WorkerPool.Run(failing, 64));
        var job = new CountingJob(64, _ => 0);
        WorkerPool.Run(job, 64);
        Assert.All(job.Runs, runs => Assert.Equal(1, runs));
    });

    private static void WithThreads(int threads, Action test)
    {
        int saved = WorkerPool.Threads;
        try
        {
            WorkerPool.Threads = threads;
            test();
        }
        finally { WorkerPool.Threads = saved; }
    }

    private sealed class FailingJob : ParallelJob
    {
        public override void Run(int task)
        {
            if (task == 50) throw new InvalidOperationException("task 50 fails");
        }
    }
}
