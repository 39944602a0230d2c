using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Tailor.Common;

namespace Tailor.Serialization;

/// <summary>A named float32 tensor as stored in a safetensors file.</summary>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data);

/// <summary>What a safetensors file holds: tensors by name, in file order, and the string metadata.</summary>
public sealed record SafeTensorsContent(IReadOnlyDictionary<string, NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The safetensors format (as PyTorch's and Hugging Face's readers expect it): an unsigned 64-bit
/// little-endian header length, a JSON header mapping each tensor name to its dtype, shape and
/// [begin, end) byte offsets into the data that follows, plus a "__metadata__" object of strings,
/// then the raw little-endian data. Written by hand because it is this small; only F32 is produced
/// and accepted. The reader checks every field, so that a damaged or foreign file ends in a
/// <see cref="ModelFormatException"/> and never in an overflow, a huge allocation or a hang.
/// </summary>
public static class SafeTensors
{
    public const string MetadataKey = "__metadata__";

    /// <summary>Headers larger than this are refused before anything is allocated for them (the reference reader's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    public static void Write(Stream stream, IEnumerable<NamedTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var list = tensors.ToList();
        var header = new Dictionary<string, object>();
        if (metadata.Count > 0) header[MetadataKey] = metadata;
        long offset = 0;
        foreach (var t in list)
        {
            if (t.Name == MetadataKey) throw new ArgumentException($"A tensor may not be named '{MetadataKey}'.");
            if (SizeOf(t.Shape) != t.Data.Length)
                throw new ArgumentException($"Tensor '{t.Name}' has shape {FormatShape(t.Shape)} but {t.Data.Length} values.");
            long end = offset + 4L * t.Data.Length;
            header[t.Name] = new Dictionary<string, object> { ["dtype"] = "F32", ["shape"] = t.Shape, ["data_offsets"] = new[] { offset, end } };
            offset = end;
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        // The format allows padding the header with spaces; aligning the data to 8 bytes lets readers map it directly.
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var t in list) WriteFloats(stream, t.Data);
    }

    private static void WriteFloats(Stream stream, float[] data)
    {
        if (BitConverter.IsLittleEndian) { stream.Write(MemoryMarshal.AsBytes(data.AsSpan())); return; }
        var buffer = new byte[4];
        foreach (float v in data) { BinaryPrimitives.WriteSingleLittleEndian(buffer, v); stream.Write(buffer); }
    }

    /// <summary>
    /// Reads a safetensors file. Only a regular file is opened (<see cref="InputFile"/>), and what the header
    /// announces is checked against the file's length before the tensor data is read, so that neither a
    /// device nor a huge file is read whole.
    /// </summary>
    public static SafeTensorsContent Read(string path) => Read(path, "a model file");

    /// <summary>As <see cref="Read(string)"/>; <paramref name="what"/> names the expected content in messages ("a checkpoint").</summary>
    internal static SafeTensorsContent Read(string path, string what)
    {
        using var stream = InputFile.OpenRead(path, what);
        try
        {
            long length = stream.Length;
            Span<byte> prefix = stackalloc byte[8];
            int read = stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
            ulong headerLength = CheckHeaderLength(prefix[..read], length, path);
            var header = new byte[headerLength];
            stream.ReadExactly(header);
            var (entries, metadata) = ParseHeader(header, path);
            long dataLength = length - 8 - (long)headerLength;
            CheckCoverage(entries, dataLength, path);
            CheckNames(entries, path);

            // The tensors tile the data in offset order (checked above): each is read straight into its values.
            var values = new float[entries.Count][];
            foreach (int i in Enumerable.Range(0, entries.Count).OrderBy(i => entries[i].Begin).ThenBy(i => entries[i].End))
            {
                long count = (entries[i].End - entries[i].Begin) / 4;
                if (count > Array.MaxLength)
                    throw new ModelFormatException(path, $"tensor '{entries[i].Name}' holds {count} values, more than one array can hold ({Array.MaxLength}).");
                values[i] = new float[count];
                var bytes = MemoryMarshal.AsBytes(values[i].AsSpan());
                stream.ReadExactly(bytes);
                if (!BitConverter.IsLittleEndian) FromLittleEndian(values[i]);
            }
            return new SafeTensorsContent(Tensors(entries, values), metadata);
        }
        catch (EndOfStreamException e)
        {
            throw new ModelFormatException(path, "the file became shorter while it was read.", e);
        }
        catch (IOException e)
        {
            throw new IOException($"Could not read '{path}': {e.Message}", e);
        }
    }

    /// <summary>Parses the bytes of a safetensors file; <paramref name="path"/> only names it in errors.</summary>
    public static SafeTensorsContent Read(ReadOnlySpan<byte> bytes, string path)
    {
        ulong headerLength = CheckHeaderLength(bytes[..Math.Min(8, bytes.Length)], bytes.Length, path);
        var (entries, metadata) = ParseHeader(bytes.Slice(8, (int)headerLength), path);
        var data = bytes[(8 + (int)headerLength)..];
        CheckCoverage(entries, data.Length, path);
        CheckNames(entries, path);
        var values = new float[entries.Count][];
        for (int i = 0; i < entries.Count; i++)
        {
            var (_, _, begin, end) = entries[i];
            values[i] = new float[(end - begin) / 4];
            data.Slice((int)begin, (int)(end - begin)).CopyTo(MemoryMarshal.AsBytes(values[i].AsSpan()));
            if (!BitConverter.IsLittleEndian) FromLittleEndian(values[i]);
        }
        return new SafeTensorsContent(Tensors(entries, values), metadata);
    }

    /// <summary>The header length from the first 8 bytes, checked against the <paramref name="fileLength"/> and the limit.</summary>
    private static ulong CheckHeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string path)
    {
        if (prefix.Length < 8)
            throw new ModelFormatException(path, $"expected a safetensors file starting with an 8-byte header length, found {fileLength} bytes in total.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength || headerLength > (ulong)(fileLength - 8))
            throw new ModelFormatException(path, $"the header length says {headerLength} bytes but only {fileLength - 8} follow (limit {MaxHeaderLength}): the file is truncated or not a safetensors file.");
        return headerLength;
    }

    private static (List<(string Name, int[] Shape, long Begin, long End)> Entries, Dictionary<string, string> Metadata) ParseHeader(ReadOnlySpan<byte> headerBytes, string path)
    {
        if (headerBytes.Length == 0 || headerBytes[0] != (byte)'{')
            throw new ModelFormatException(path, "expected a JSON object after the header length, found something else: not a safetensors file.");

        JsonDocument document;
        try { document = JsonDocument.Parse(headerBytes.ToArray(), new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException e) { throw new ModelFormatException(path, $"the safetensors header is not valid JSON ({e.Message}).", e); }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(path, $"expected the safetensors header to be a JSON object, found {root.ValueKind}.");
            var metadata = new Dictionary<string, string>();
            var entries = new List<(string Name, int[] Shape, long Begin, long End)>();
            try
            {
                foreach (var property in root.EnumerateObject())
                {
                    if (property.Name == MetadataKey) ReadMetadata(property.Value, metadata, path);
                    else entries.Add(ReadEntry(property, path));
                }
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json's way to refuse a string escape that is no valid UTF-16 (a lone surrogate).
                throw new ModelFormatException(path, $"the safetensors header holds a string that is not valid text ({e.Message}).", e);
            }
            return (entries, metadata);
        }
    }

    private static void CheckNames(List<(string Name, int[] Shape, long Begin, long End)> entries, string path)
    {
        var seen = new HashSet<string>();
        foreach (var entry in entries)
            if (!seen.Add(entry.Name))
                throw new ModelFormatException(path, $"tensor '{entry.Name}' appears twice in the safetensors header.");
    }

    private static Dictionary<string, NamedTensor> Tensors(List<(string Name, int[] Shape, long Begin, long End)> entries, float[][] values)
    {
        var tensors = new Dictionary<string, NamedTensor>();
        for (int i = 0; i < entries.Count; i++) tensors.Add(entries[i].Name, new NamedTensor(entries[i].Name, entries[i].Shape, values[i]));
        return tensors;
    }

    /// <summary>On a big-endian machine, turns values read as raw little-endian bytes into the machine's floats.</summary>
    private static void FromLittleEndian(float[] values)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, $"expected '{MetadataKey}' to be an object of strings, found {element.ValueKind}.");
        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new ModelFormatException(path, $"expected metadata '{item.Name}' to be a string, found {item.Value.ValueKind}.");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static (string, int[], long, long) ReadEntry(JsonProperty property, string path)
    {
        string name = property.Name;
        var e = property.Value;
        if (e.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, $"expected tensor '{name}' to be described by an object, found {e.ValueKind}.");
        if (!e.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String)
            throw new ModelFormatException(path, $"tensor '{name}' has no dtype string.");
        if (dtype.GetString() != "F32")
            throw new ModelFormatException(path, $"tensor '{name}' has dtype {dtype.GetString()}; only F32 is supported.");
        if (!e.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException(path, $"tensor '{name}' has no shape array.");
        var shape = new int[shapeElement.GetArrayLength()];
        int i = 0;
        long count = 1;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int size) || size < 0)
                throw new ModelFormatException(path, $"tensor '{name}' has dimension {i + 1} of its shape that is not a non-negative 32-bit integer.");
            shape[i++] = size;
            // Saturates instead of overflowing: a shape too large for any file fails the size check below.
            count = size == 0 ? 0 : count > CountLimit / size ? CountLimit : count * size;
        }
        if (!e.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new ModelFormatException(path, $"tensor '{name}' has no data_offsets pair [begin, end].");
        if (!offsets[0].TryGetInt64Safe(out long begin) || !offsets[1].TryGetInt64Safe(out long end) || begin < 0 || end < begin)
            throw new ModelFormatException(path, $"tensor '{name}' has data_offsets that are not two non-negative integers with begin <= end.");
        if (end - begin != 4 * count)
            throw new ModelFormatException(path, $"tensor '{name}' of shape {FormatShape(shape)} needs {4 * count} bytes, its data_offsets give {end - begin}.");
        return (name, shape, begin, end);
    }

    private static bool TryGetInt64Safe(this JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }

    /// <summary>The format requires the tensors to tile the data exactly: no gap, no overlap, nothing after.</summary>
    private static void CheckCoverage(List<(string Name, int[] Shape, long Begin, long End)> entries, long dataLength, string path)
    {
        long position = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin != position)
                throw new ModelFormatException(path, $"tensor '{entry.Name}' starts at byte {entry.Begin} of the data, expected {position}: tensors overlap or leave a gap.");
            position = entry.End;
        }
        if (position != dataLength)
            throw new ModelFormatException(path, position > dataLength
                ? $"the tensors need {position} bytes of data, the file has {dataLength}: it is truncated."
                : $"the tensors need {position} bytes of data, the file has {dataLength}: bytes follow the last tensor.");
    }

    private const long CountLimit = long.MaxValue / 8;

    public static long SizeOf(int[] shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

    public static string FormatShape(int[] shape) => "(" + string.Join(", ", shape) + (shape.Length == 1 ? ",)" : ")");
}
