using Tailor.Common;
using Tailor.Data;

namespace Tailor.Tests.Data;

public sealed class IdxRoundTripTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string, int[]> Cases => new()
    {
        { "images-idx3-ubyte", [3, 28, 28] },
        { "images-idx3-ubyte.gz", [3, 28, 28] },
        { "labels-idx1-ubyte", [7] },
        { "labels-idx1-ubyte.gz", [7] },
        { "cube-idx4-ubyte.gz", [2, 3, 4, 5] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Read_returns_what_Write_wrote(string name, int[] dimensions)
    {
        var original = new IdxArray(Pattern((int)IdxArrayLength(dimensions)), dimensions);
        string path = _temp.File(name);

        IdxWriter.Write(path, original);
        var read = IdxReader.Read(path, expectedRank: dimensions.Length);

        Assert.Equal(dimensions, read.Dimensions.ToArray());
        Assert.Equal(original.Data, read.Data);
        Assert.Equal([name], _temp.ListFiles()); // no temporary file left behind
    }

    [Fact]
    public void Raw_file_starts_with_the_big_endian_magic_and_dimensions()
    {
        string path = _temp.File("images-idx3-ubyte");
        IdxWriter.Write(path, new IdxArray(new byte[2 * 3 * 4], 2, 3, 4));

        byte[] bytes = File.ReadAllBytes(path);

        Assert.Equal(new byte[] { 0, 0, 0x08, 0x03, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4 }, bytes[..16]);
        Assert.Equal(16 + 24, bytes.Length);
    }

    [Fact]
    public void Gz_file_is_gzip_compressed()
    {
        string path = _temp.File("labels-idx1-ubyte.gz");
        IdxWriter.Write(path, new IdxArray(new byte[1000], 1000));

        byte[] bytes = File.ReadAllBytes(path);

        Assert.Equal((byte)0x1f, bytes[0]);
        Assert.Equal((byte)0x8b, bytes[1]);
        Assert.True(bytes.Length < 1000, $"1000 zero bytes should compress, the file has {bytes.Length} bytes.");
    }

    [Fact]
    public void Gzip_content_is_recognised_without_the_gz_extension()
    {
        var original = new IdxArray(Pattern(60), 60);
        IdxWriter.Write(_temp.File("labels.gz"), original);
        File.Move(_temp.File("labels.gz"), _temp.File("labels"));

        var read = IdxReader.Read(_temp.File("labels"));

        Assert.Equal(original.Data, read.Data);
    }

    [Fact]
    public void Any_rank_is_read_when_none_is_expected()
    {
        IdxWriter.Write(_temp.File("a-idx2-ubyte"), new IdxArray(Pattern(6), 2, 3));

        var read = IdxReader.Read(_temp.File("a-idx2-ubyte"));

        Assert.Equal([2, 3], read.Dimensions.ToArray());
        Assert.Equal(0x00000802, read.Magic);
    }

    [Fact]
    public void Write_replaces_an_existing_file()
    {
        string path = _temp.File("labels-idx1-ubyte.gz");
        IdxWriter.Write(path, new IdxArray([1, 2, 3], 3));
        IdxWriter.Write(path, new IdxArray([9, 8], 2));

        Assert.Equal(new byte[] { 9, 8 }, IdxReader.Read(path).Data);
        Assert.Equal(["labels-idx1-ubyte.gz"], _temp.ListFiles());
    }

    [Fact]
    public void A_failed_atomic_write_keeps_the_old_file_and_leaves_no_temporary_file()
    {
        string path = _temp.File("labels-idx1-ubyte");
        File.WriteAllBytes(path, [1, 2, 3]);

        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write([7, 7, 7, 7]);
            throw new IOException("disk full");
        }));

        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal(["labels-idx1-ubyte"], _temp.ListFiles());
    }

    [Fact]
    public void IdxArray_rejects_data_that_does_not_fill_its_dimensions()
    {
        var e = Assert.Throws<ArgumentException>(() => new IdxArray(new byte[10], 3, 4));
        Assert.Contains("3 x 4 need 12 bytes, received 10", e.Message);
    }

    [Fact]
    public void IdxArray_rejects_a_zero_dimension()
    {
        var e = Assert.Throws<ArgumentException>(() => new IdxArray([], 0, 4));
        Assert.Contains("0 x 4", e.Message);
    }

    private static long IdxArrayLength(int[] dimensions) => dimensions.Aggregate(1L, (n, d) => n * d);

    private static byte[] Pattern(int length)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++) data[i] = (byte)(i * 7 + 3);
        return data;
    }
}
