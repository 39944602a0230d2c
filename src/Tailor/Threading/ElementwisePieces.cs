namespace Tailor.Threading;

/// <summary>
/// Several arrays laid end to end (a model's parameters) cut into pieces of about equal length, for
/// elementwise work on the kernels' threads: the pool deals each thread a contiguous block of pieces, so
/// equal pieces give each thread an equal share. Cut per array instead, the dense model's first weight
/// held 92% of its values and one thread did nearly all of the optimizer's update while the other waited.
/// </summary>
/// <remarks>
/// A piece may span arrays; its part of one array is a segment. Every segment starts at a multiple of
/// <see cref="Alignment"/> of its array (or at 0) and ends at another or at the array's end, so each element
/// takes the same vector or scalar path as in one pass over the whole array: elementwise work gives the same
/// bits however the arrays are cut.
/// </remarks>
internal sealed class ElementwisePieces
{
    /// <summary>Segments start at multiples of this: a whole number of vectors of any width up to 64 floats.</summary>
    public const int Alignment = 64;

    /// <summary>16 KB of floats: a few dozen pieces for the notebook's models, each thread's share even to a few percent.</summary>
    public const int DefaultPieceLength = 4096;

    private (int Array, int Start, int Length)[] _segments = [];
    /// <summary>Piece p's segments are <c>_segments[_first[p] .. _first[p + 1]]</c>.</summary>
    private int[] _first = [0];

    /// <summary>Pieces of the latest plan.</summary>
    public int Count { get; private set; }

    /// <summary>Piece <paramref name="piece"/>'s segments: the array's index, the first element and how many.</summary>
    public ReadOnlySpan<(int Array, int Start, int Length)> Segments(int piece) =>
        _segments.AsSpan(_first[piece], _first[piece + 1] - _first[piece]);

    /// <summary>
    /// Cuts arrays of <paramref name="lengths"/> (0 for one to leave out) into pieces of about
    /// <paramref name="pieceLength"/> elements. Allocates: plan once, not per batch.
    /// </summary>
    public void Plan(ReadOnlySpan<int> lengths, int pieceLength)
    {
        Common.Guard.Positive(pieceLength, nameof(pieceLength));
        long total = 0;
        foreach (int length in lengths) total += length;
        int pieces = (int)Math.Max(1, (total + pieceLength - 1) / pieceLength);
        // Piece p ends at the array position where p + 1 equal shares of the total end, moved back to an aligned offset.
        var ends = new (int Array, int Offset)[pieces];
        for (int p = 0; p < pieces; p++) ends[p] = Locate(lengths, total * (p + 1) / pieces);
        var segments = new List<(int, int, int)>();
        var first = new int[pieces + 1];
        (int array, int offset) at = (0, 0);
        for (int p = 0; p < pieces; p++)
        {
            first[p] = segments.Count;
            var end = ends[p];
            while (at.array < end.Array || (at.array == end.Array && at.offset < end.Offset))
            {
                int stop = at.array == end.Array ? end.Offset : lengths[at.array];
                if (stop > at.offset) segments.Add((at.array, at.offset, stop - at.offset));
                at = stop == lengths[at.array] && at.array < end.Array ? (at.array + 1, 0) : (at.array, stop);
            }
        }
        first[pieces] = segments.Count;
        (_segments, _first, Count) = (segments.ToArray(), first, pieces);
    }

    /// <summary>The array holding flat position <paramref name="position"/> and its offset there, aligned down; the end of the last array for the total.</summary>
    private static (int Array, int Offset) Locate(ReadOnlySpan<int> lengths, long position)
    {
        for (int a = 0; a < lengths.Length; a++)
        {
            if (position < lengths[a]) return (a, (int)position - (int)position % Alignment);
            position -= lengths[a];
        }
        return (lengths.Length - 1, lengths.IsEmpty ? 0 : lengths[^1]);
    }
}
