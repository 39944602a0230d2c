using Tailor.Common;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Tailor.Data;

/// <summary>Writes IDX files of unsigned bytes, gzip-compressed when the name ends in ".gz".</summary>
public static class IdxWriter
{
    /// <summary>
    /// Writes <paramref name="array"/> to <paramref name="path"/> atomically: a reader never sees a
    /// half-written file, and a failed write leaves any previous file in place.
    /// </summary>
    public static void Write(string path, IdxArray array)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(array);
        bool gzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        AtomicFile.Write(path, stream =>
        {
            if (gzip)
            {
                using var compressed = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true);
                WriteContent(compressed, array);
            }
            else
            {
                WriteContent(stream, array);
            }
        });
    }

    private static void WriteContent(Stream stream, IdxArray array)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, array.Magic);
        stream.Write(word);
        foreach (int d in array.Dimensions)
        {
            BinaryPrimitives.WriteInt32BigEndian(word, d);
            stream.Write(word);
        }
        stream.Write(array.Data);
    }
}
