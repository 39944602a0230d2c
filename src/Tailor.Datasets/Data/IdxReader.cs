using System.Buffers.Binary;
using System.IO.Compression;
using Tailor.Common;

namespace Tailor.Data;

/// <summary>
/// Reads IDX files of unsigned bytes (the format of MNIST and Fashion-MNIST), gzip-compressed or raw.
/// Every departure from the format is a <see cref="DataFormatException"/> naming the file.
/// </summary>
public static class IdxReader
{
    private const int CopyBufferSize = 81920;

    /// <summary>
    /// Reads an IDX file. It is decompressed when its name ends in ".gz" or its content starts with
    /// the gzip magic bytes 1f 8b. With <paramref name="expectedRank"/>, the magic number must
    /// announce exactly that many dimensions (0x00000803 for an image file, 0x00000801 for labels).
    /// </summary>
    public static IdxArray Read(string path, int? expectedRank = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (expectedRank is { } rank && rank is < 1 or > 255)
            throw new ArgumentOutOfRangeException(nameof(expectedRank), $"Received an invalid value for `expectedRank`, expected 1 to 255. Received: expectedRank={rank}");

        using var file = Open(path);
        bool gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || StartsWithGzipMagic(file);
        using Stream content = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            // The most data the file can hold: its own length when raw; when compressed, what deflate's
            // best ratio (1032:1) allows. A damaged header asking for more fails before anything is allocated.
            long maxData = gzip ? MaxDeflateRatio * file.Length : file.Length;
            var array = ReadContent(content, path, expectedRank, maxData, gzip);
            if (gzip) CheckGzipEnd(file, path, HeaderLength(array.Rank) + array.Data.Length);
            return array;
        }
        catch (InvalidDataException e)
        {
            // GZipStream reports bad deflate data, a bad header and a CRC mismatch this way.
            throw new DataFormatException(path, $"expected valid gzip data, found corrupted data ({e.Message}).", e);
        }
    }

    /// <summary>Opens only a regular file (<see cref="InputFile"/>): a FIFO or a device named as data would block or never end. A missing file is a <see cref="FileNotFoundException"/>.</summary>
    private static FileStream Open(string path)
    {
        try { return InputFile.OpenRead(path, "an IDX file", CopyBufferSize); }
        catch (InputFileException e) when (e.Found == FileKind.Missing) { throw new FileNotFoundException(e.Message, path, e); }
        catch (InputFileException e) { throw new DataFormatException(path, e.Problem, e); }
    }

    /// <summary>
    /// GZipStream checks the CRC-32 when the trailer is there, but says nothing when the file ends
    /// before it or continues after it. So the file must end with the trailer of what was read: its
    /// last 4 bytes are the uncompressed size modulo 2^32. (This accepts single-member gzip files,
    /// which is what gzip and GZipStream write.)
    /// </summary>
    private static void CheckGzipEnd(FileStream file, string path, long uncompressedLength)
    {
        const int MinimumGzipLength = 18; // 10-byte header, empty deflate block, 8-byte trailer
        Span<byte> size = stackalloc byte[4];
        long length = file.Length;
        if (length >= MinimumGzipLength)
        {
            file.Position = length - 4;
            file.ReadExactly(size);
        }
        uint expected = unchecked((uint)uncompressedLength);
        if (length < MinimumGzipLength || BinaryPrimitives.ReadUInt32LittleEndian(size) != expected)
            throw new DataFormatException(path,
                $"expected the gzip data to end with a trailer recording {uncompressedLength} uncompressed bytes, " +
                "found none: the file is truncated or has bytes after the compressed data.");
    }

    private static int HeaderLength(int rank) => 4 + 4 * rank;

    private static bool StartsWithGzipMagic(FileStream file)
    {
        Span<byte> head = stackalloc byte[2];
        int read = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && head[0] == 0x1f && head[1] == 0x8b;
    }

    private const long MaxDeflateRatio = 1032;

    private static IdxArray ReadContent(Stream content, string path, int? expectedRank, long maxData, bool gzip)
    {
        Span<byte> word = stackalloc byte[4];
        int read = content.ReadAtLeast(word, 4, throwOnEndOfStream: false);
        if (read < 4)
            throw new DataFormatException(path, $"expected a 4-byte IDX magic number, found {Bytes(read)} in total.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(word);
        int rank = CheckMagic(magic, path, expectedRank);

        var dimensions = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            read = content.ReadAtLeast(word, 4, throwOnEndOfStream: false);
            if (read < 4)
                throw new DataFormatException(path, $"truncated header: expected {rank} dimension sizes of 4 bytes, the file ends inside size {i + 1}.");
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dimensions[i] <= 0)
                throw new DataFormatException(path, $"expected positive dimension sizes, found {dimensions[i]} for dimension {i + 1} of {rank}.");
        }

        long length = IdxArray.ElementCount(dimensions);
        if (length > Array.MaxLength)
            throw new DataFormatException(path, $"dimensions {IdxArray.FormatDimensions(dimensions)} describe more bytes than an array can hold ({Array.MaxLength}).");

        long available = maxData - HeaderLength(rank);
        if (length > available)
            throw new DataFormatException(path, gzip
                ? $"dimensions {IdxArray.FormatDimensions(dimensions)} need {Bytes(length)} of data, more than {Bytes(maxData)} of gzip data can expand to: the header is damaged."
                : $"truncated: dimensions {IdxArray.FormatDimensions(dimensions)} need {Bytes(length)} of data, found {Bytes(Math.Max(0, available))}.");
        // A raw file's length is known: what follows the data is found without reading it.
        if (!gzip && available > length)
            throw new DataFormatException(path, $"expected the data to end after {Bytes(length)} for dimensions {IdxArray.FormatDimensions(dimensions)}, found {Bytes(available - length)} more.");

        var data = new byte[length];
        read = content.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
            throw new DataFormatException(path, $"truncated: dimensions {IdxArray.FormatDimensions(dimensions)} need {Bytes(data.Length)} of data, found {Bytes(read)}.");

        long extra = CountRemaining(content);
        if (extra > 0)
            throw new DataFormatException(path, $"expected the data to end after {Bytes(data.Length)} for dimensions {IdxArray.FormatDimensions(dimensions)}, found {(extra > MaxCounted ? "more than " + Bytes(MaxCounted) : Bytes(extra))} more.");

        return new IdxArray(data, dimensions);
    }

    /// <summary>Returns the rank the magic number announces, or throws saying what was expected.</summary>
    private static int CheckMagic(int magic, string path, int? expectedRank)
    {
        int zeros = (int)((uint)magic >> 16);
        int type = (magic >> 8) & 0xFF;
        int rank = magic & 0xFF;
        bool valid = zeros == 0 && type == IdxArray.UnsignedByteType && rank >= 1 && (expectedRank is null || rank == expectedRank);
        if (valid) return rank;

        string expected = expectedRank is { } r
            ? $"expected magic 0x{IdxArray.MagicFor(r):X8} (unsigned bytes, {r} dimension{(r == 1 ? "" : "s")})"
            : "expected magic 0x000008NN (unsigned bytes, NN dimensions, at least 1)";
        string found = $"found 0x{magic:X8}";
        if (zeros == 0 && type != IdxArray.UnsignedByteType && OtherIdxType(type) is { } name)
            found += $" (data type 0x{type:X2}, {name}, which is not supported)";
        throw new DataFormatException(path, $"{expected}, {found}.");
    }

    private static string? OtherIdxType(int type) => type switch
    {
        0x09 => "signed bytes",
        0x0B => "16-bit integers",
        0x0C => "32-bit integers",
        0x0D => "32-bit floats",
        0x0E => "64-bit floats",
        _ => null,
    };

    /// <summary>Bytes left after the data, counted up to just past <see cref="MaxCounted"/> (a gzip tail could expand a thousandfold).</summary>
    private static long CountRemaining(Stream content)
    {
        var buffer = new byte[CopyBufferSize];
        long total = 0;
        int n;
        while (total <= MaxCounted && (n = content.Read(buffer)) > 0) total += n;
        return total;
    }

    private const long MaxCounted = 1 << 20;

    private static string Bytes(long n) => n == 1 ? "1 byte" : $"{n} bytes";
}
