namespace Tailor.Models.Training;

/// <summary>
/// How the workers of a data-parallel run share their shards' partial sums: each of <see cref="Size"/>
/// workers (an MPI rank, or one process alone) computes the shards <c>s</c> with <c>s % Size == Rank</c>,
/// then <see cref="AllGather"/> gives every worker every worker's block, so all of them combine the same
/// numbers in the same order and hold the same weights.
/// </summary>
public abstract class ShardTransport
{
    /// <summary>This worker's number, 0 to <see cref="Size"/> - 1.</summary>
    public abstract int Rank { get; }

    /// <summary>How many workers share the shards.</summary>
    public abstract int Size { get; }

    /// <summary>
    /// Effectively <c>all[r * mine.Length + i] = mine_of_worker_r[i]</c> for every worker r: every worker gives a
    /// block of the same length and receives all of them in worker order.
    /// </summary>
    public abstract void AllGather(ReadOnlySpan<double> mine, Span<double> all);
}
