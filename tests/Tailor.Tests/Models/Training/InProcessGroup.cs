using Tailor.Models.Training;

namespace Tailor.Tests.Models.Training;

/// <summary>Workers in one process, one thread each: what MPI's Allgather does, with a barrier and shared arrays.</summary>
internal sealed class InProcessGroup(int size)
{
    private readonly Barrier _barrier = new(size);
    private readonly double[][] _blocks = new double[size][];

    public ShardTransport Member(int rank) => new Worker(this, rank);

    private sealed class Worker(InProcessGroup group, int rank) : ShardTransport
    {
        public override int Rank => rank;
        public override int Size => group._blocks.Length;

        public override void AllGather(ReadOnlySpan<double> mine, Span<double> all)
        {
            group._blocks[rank] = mine.ToArray();
            group._barrier.SignalAndWait();
            for (int r = 0; r < Size; r++) group._blocks[r].CopyTo(all.Slice(r * mine.Length));
            group._barrier.SignalAndWait();
        }
    }
}
