using System.Text;
using Tailor.Common;
using Tailor.Models;

namespace Tailor.Callbacks;

/// <summary>
/// A plain weights file, enough for checkpoints until a model file format replaces it: "TLRW",
/// a version, the tensor count, then per tensor its name ("conv2d/kernel"), rank, dimensions and
/// float32 values, all little-endian. Written atomically.
/// </summary>
public static class WeightsFile
{
    private const int Version = 1;
    private static ReadOnlySpan<byte> Magic => "TLRW"u8;

    /// <summary>Writes the model's weights to <paramref name="path"/> (a <see cref="ModelCheckpoint"/> saver).</summary>
    public static void Write(Sequential model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tensors = model.Layers.SelectMany(l => l.Parameters.Select(p => (Name: $"{l.Name}/{p.Name}", p.Value))).ToList();
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(tensors.Count);
            foreach (var (name, value) in tensors)
            {
                writer.Write(name);
                writer.Write(value.Rank);
                foreach (int d in value.Shape) writer.Write(d);
                foreach (float f in value.Span) writer.Write(f);
            }
        });
    }

    /// <summary>Reads a file written by <see cref="Write"/>: the names and values, in the model's order.</summary>
    public static IReadOnlyList<(string Name, int[] Shape, float[] Values)> Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"'{path}' is not a Tailor weights file: it does not start with \"TLRW\".");
            int version = reader.ReadInt32();
            if (version != Version) throw new InvalidDataException($"'{path}' has weights file version {version}; this build reads version {Version}.");
            int count = reader.ReadInt32();
            var result = new List<(string, int[], float[])>(count);
            for (int t = 0; t < count; t++)
            {
                string name = reader.ReadString();
                var shape = new int[reader.ReadInt32()];
                for (int i = 0; i < shape.Length; i++) shape[i] = reader.ReadInt32();
                var values = new float[shape.Aggregate(1, (a, b) => a * b)];
                for (int i = 0; i < values.Length; i++) values[i] = reader.ReadSingle();
                result.Add((name, shape, values));
            }
            return result;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{path}' ends before the weights it announces: the file is truncated.");
        }
    }

    /// <summary>Puts the weights of a file into a model with the same layers.</summary>
    public static void Load(Sequential model, string path) => model.SetWeights(Read(path).Select(t => t.Values).ToArray());
}
