using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace Tailor.Tests.Data.Images;

/// <summary>
/// Small files whose headers declare huge images (decompression bombs): a decoder that trusted the header
/// would allocate gigabytes for their pixels. Each is a valid small image of its format with the size
/// fields of its header rewritten, so that SkiaSharp reads the huge size from the header.
/// </summary>
internal static class ImageBombs
{
    public static IReadOnlyList<string> Names { get; } = ["png", "jpeg", "webp", "bmp", "gif"];

    public static TheoryData<string> Formats => [.. Names];

    public static string Extension(string format) => format == "jpeg" ? ".jpg" : "." + format;

    /// <summary>A bomb in <paramref name="format"/>, declaring the largest size the format allows up to 30000 x 30000.</summary>
    public static byte[] Of(string format) => format switch
    {
        "png" => Png(30_000, 30_000),
        "jpeg" => Jpeg(30_000, 30_000),
        "webp" => Webp(16_384, 16_384), // VP8L's 14-bit sizes stop at 16384
        "bmp" => Bmp(30_000, 30_000),
        "gif" => Gif(30_000, 30_000),
        _ => throw new ArgumentException($"No bomb for '{format}'.", nameof(format)),
    };

    /// <summary>
    /// An 8-bit grayscale PNG declaring <paramref name="width"/> x <paramref name="height"/>, with the first
    /// rows of zeros deflated (the rest would compress a thousandfold too; the file ends after them).
    /// </summary>
    public static byte[] Png(int width, int height, int rows = 16)
    {
        var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; colour type 0 (gray), deflate, adaptive filtering, no interlace
        Chunk(output, "IHDR", header);
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            zlib.Write(new byte[(long)(width + 1) * rows]);
        Chunk(output, "IDAT", compressed.ToArray());
        return output.ToArray();
    }

    /// <summary>A baseline JPEG of 8 x 8 gray pixels whose frame header (SOF0) declares the size given.</summary>
    public static byte[] Jpeg(int width, int height)
    {
        byte[] bytes = TestImages.Encode(8, 8, (x, y) => TestImages.Gray((byte)(x * 30)), SKEncodedImageFormat.Jpeg, quality: 90);
        int sof = IndexOf(bytes, [0xFF, 0xC0]);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 5), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(sof + 7), (ushort)width);
        return bytes;
    }

    /// <summary>A lossless WebP of 8 x 8 pixels whose VP8L header (and VP8X canvas, if any) declares the size given.</summary>
    public static byte[] Webp(int width, int height)
    {
        byte[] bytes = TestImages.Encode(8, 8, (x, y) => TestImages.Gray((byte)(y * 30)), SKEncodedImageFormat.Webp);
        int vp8l = IndexOf(bytes, "VP8L"u8.ToArray());
        // After the chunk size and the 0x2F signature: 14 bits width - 1, 14 bits height - 1, then alpha and version.
        int at = vp8l + 9;
        uint bits = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at));
        bits = (bits & 0xF000_0000u) | (uint)(width - 1) | (uint)(height - 1) << 14;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), bits);
        int vp8x = IndexOf(bytes, "VP8X"u8.ToArray(), required: false);
        if (vp8x >= 0)
        {
            WriteUInt24(bytes.AsSpan(vp8x + 12), width - 1);
            WriteUInt24(bytes.AsSpan(vp8x + 15), height - 1);
        }
        return bytes;
    }

    /// <summary>A 24-bit BMP of 2 x 2 pixels whose header declares the size given.</summary>
    public static byte[] Bmp(int width, int height)
    {
        byte[] bytes = TestImages.Bmp(2, 2, (x, y) => TestImages.Gray((byte)(x * 100)));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
        return bytes;
    }

    /// <summary>A GIF of one 2 x 2 frame on a logical screen of the size given.</summary>
    public static byte[] Gif(int width, int height)
    {
        byte[] bytes = TestImages.Gif(2, 2, [0, 1, 2, 3]);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)height);
        return bytes;
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        byte[] typed = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        output.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        output.Write(word);
    }

    /// <summary>The CRC-32 that PNG chunks carry (ISO 3309, reflected, polynomial 0xEDB88320).</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFF_FFFFu;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320u : crc >> 1;
        }
        return ~crc;
    }

    private static void WriteUInt24(Span<byte> destination, int value)
    {
        destination[0] = (byte)value;
        destination[1] = (byte)(value >> 8);
        destination[2] = (byte)(value >> 16);
    }

    private static int IndexOf(byte[] bytes, byte[] pattern, bool required = true)
    {
        int index = bytes.AsSpan().IndexOf(pattern);
        if (index < 0 && required) throw new InvalidOperationException($"The encoded image has no {Convert.ToHexString(pattern)}.");
        return index;
    }
}
