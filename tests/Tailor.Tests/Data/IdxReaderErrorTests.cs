using System.IO.Compression;
using Tailor.Data;

namespace Tailor.Tests.Data;

public sealed class IdxReaderErrorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Wrong_magic_names_the_file_the_expected_and_the_found_magic()
    {
        string path = WriteRaw("t10k-images-idx3-ubyte", [0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 3));

        Assert.Equal($"{path}: expected magic 0x00000803 (unsigned bytes, 3 dimensions), found 0x12345678.", e.Message);
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void A_label_file_where_images_are_expected_is_a_wrong_magic()
    {
        string path = _temp.File("labels-idx1-ubyte.gz");
        IdxWriter.Write(path, new IdxArray(new byte[5], 5));

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 3));

        Assert.Contains("expected magic 0x00000803 (unsigned bytes, 3 dimensions), found 0x00000801.", e.Message);
    }

    [Fact]
    public void Unsupported_data_type_is_named()
    {
        string path = WriteRaw("floats-idx1", [0, 0, 0x0D, 0x01, 0, 0, 0, 1, 0, 0, 0, 0]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Contains("found 0x00000D01 (data type 0x0D, 32-bit floats, which is not supported)", e.Message);
    }

    [Fact]
    public void Zero_dimension_is_rejected()
    {
        string path = WriteRaw("labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 0]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 1));

        Assert.Contains("expected positive dimension sizes, found 0 for dimension 1 of 1", e.Message);
    }

    [Fact]
    public void Empty_file_is_rejected()
    {
        string path = WriteRaw("empty-idx1-ubyte", []);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Contains("expected a 4-byte IDX magic number, found 0 bytes", e.Message);
    }

    [Fact]
    public void Truncated_header_is_rejected()
    {
        string path = WriteRaw("images-idx3-ubyte", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 3));

        Assert.Contains("truncated header", e.Message);
        Assert.Contains("size 2", e.Message);
    }

    [Fact]
    public void Truncated_payload_names_expected_and_found_sizes()
    {
        string path = WriteRaw("images-idx3-ubyte", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 3));

        Assert.Equal($"{path}: truncated: dimensions 2 x 2 x 2 need 8 bytes of data, found 5 bytes.", e.Message);
    }

    [Fact]
    public void Trailing_bytes_after_the_payload_are_rejected()
    {
        string path = WriteRaw("labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3, 4, 5]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 1));

        Assert.Contains("expected the data to end after 3 bytes for dimensions 3, found 2 bytes more", e.Message);
    }

    [Fact]
    public void Truncated_gzip_file_is_rejected()
    {
        byte[] whole = GzipOf(IdxBytes(4000));
        string path = WriteRaw("labels-idx1-ubyte.gz", whole[..(whole.Length / 2)]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 1));

        Assert.StartsWith(path + ": ", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)] // CRC-32 and size both missing: GZipStream alone accepts this
    [InlineData(9)]
    public void Gzip_file_cut_inside_or_before_its_trailer_is_rejected(int cut)
    {
        byte[] whole = GzipOf(IdxBytes(4000));
        string path = WriteRaw("labels-idx1-ubyte.gz", whole[..^cut]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 1));

        Assert.StartsWith(path + ": ", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 0x1f, 0x8b })]
    public void Bytes_after_the_gzip_data_are_rejected(byte[] garbage)
    {
        string path = WriteRaw("labels-idx1-ubyte.gz", [.. GzipOf(IdxBytes(4000)), .. garbage]);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 1));

        Assert.Contains("truncated or has bytes after the compressed data", e.Message);
    }

    [Fact]
    public void Corrupted_gzip_bytes_are_rejected()
    {
        byte[] bytes = GzipOf(IdxBytes(4000));
        for (int i = 20; i < 40; i++) bytes[i] ^= 0x5A;
        string path = WriteRaw("labels-idx1-ubyte.gz", bytes);

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path, expectedRank: 1));

        Assert.StartsWith(path + ": ", e.Message);
    }

    [Fact]
    public void Gzip_checksum_mismatch_is_rejected()
    {
        byte[] bytes = GzipOf(IdxBytes(4000));
        bytes[^5] ^= 0xFF; // last byte of the CRC32 in the trailer: the data inflates fine, the check fails

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(WriteRaw("labels-idx1-ubyte.gz", bytes), expectedRank: 1));

        Assert.Contains("gzip", e.Message);
    }

    [Fact]
    public void Gz_name_with_raw_content_is_rejected_as_gzip()
    {
        string path = WriteRaw("labels-idx1-ubyte.gz", IdxBytes(10));

        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));

        Assert.Contains("expected valid gzip data", e.Message);
    }

    [Fact]
    public void Missing_file_is_a_file_not_found_error_naming_it()
    {
        string path = _temp.File("absent-idx1-ubyte.gz");

        var e = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(path));

        Assert.Contains(path, e.Message);
    }

    private string WriteRaw(string name, byte[] bytes)
    {
        string path = _temp.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A valid label file of <paramref name="count"/> varied bytes (so the compressed form has real content).</summary>
    private static byte[] IdxBytes(int count)
    {
        var bytes = new byte[8 + count];
        bytes[2] = 8;
        bytes[3] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        var rng = new Tailor.Common.Rng(5);
        for (int i = 8; i < bytes.Length; i++) bytes[i] = (byte)rng.NextInt(10);
        return bytes;
    }

    private static byte[] GzipOf(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(content);
        return output.ToArray();
    }
}
