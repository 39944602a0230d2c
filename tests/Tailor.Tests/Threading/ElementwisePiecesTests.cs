using Tailor.Threading;

namespace Tailor.Tests.Threading;

public class ElementwisePiecesTests
{
    /// <summary>Every element of the arrays once, in order; pieces never more than an aligned step from equal.</summary>
    [Theory]
    [InlineData(new[] { 100352, 128, 8192, 64, 640, 10 }, 4096)]
    [InlineData(new[] { 7, 0, 1, 63, 65, 129, 0 }, 64)]
    [InlineData(new[] { 5000 }, 100)]
    [InlineData(new[] { 0, 0 }, 4096)]
    [InlineData(new[] { 3, 5 }, 4096)]
    [InlineData(new int[0], 16)]
    public void Pieces_cover_each_element_once_from_aligned_starts_in_equal_shares(int[] lengths, int pieceLength)
    {
        var pieces = new ElementwisePieces();
        pieces.Plan(lengths, pieceLength);
        long total = lengths.Sum(l => (long)l);
        Assert.Equal(Math.Max(1, (total + pieceLength - 1) / pieceLength), pieces.Count);
        var seen = lengths.Select(l => new int[l]).ToArray();
        (int Array, int End) previous = (0, 0);
        for (int p = 0; p < pieces.Count; p++)
        {
            long size = 0;
            foreach (var (array, start, length) in pieces.Segments(p))
            {
                Assert.True(length > 0);
                Assert.True(start % ElementwisePieces.Alignment == 0, $"piece {p} starts array {array} at {start}");
                Assert.True((array, start).CompareTo(previous) >= 0, "segments run in order");
                for (int i = start; i < start + length; i++) seen[array][i]++;
                previous = (array, start + length);
                size += length;
            }
            // Each piece is its equal share give or take the aligned steps of its two ends.
            Assert.InRange(size, total / pieces.Count - 2 * ElementwisePieces.Alignment, total / pieces.Count + 2 * ElementwisePieces.Alignment + 1);
        }
        Assert.All(seen, counts => Assert.All(counts, c => Assert.Equal(1, c)));
    }
}
