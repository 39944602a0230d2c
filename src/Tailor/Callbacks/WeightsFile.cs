using System.Runtime.CompilerServices;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(Model model, string path)
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

    /// <summary>
    /// Reads a file written by <see cref="Write"/>: the names and values, in the model's order. Only a regular
    /// file is opened (<see cref="InputFile"/>), and every count the file announces is checked against the
    /// bytes left in it before anything is allocated for it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static IReadOnlyList<(string Name, int[] Shape, float[] Values)> Read(string path)
    {
        using var stream = InputFile.OpenRead(path, "a weights file");
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        long Left() => stream.Length - stream.Position;
        try
        {
            if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"'{path}' is not a Tailor weights file: it does not start with \"TLRW\".");
            int version = reader.ReadInt32();
            if (version != Version) throw new InvalidDataException($"'{path}' has weights file version {version}; this build reads version {Version}.");
            int count = reader.ReadInt32();
            if (count < 0 || count > Left()) throw Truncated(path);
            var result = new List<(string, int[], float[])>(count);
            for (int t = 0; t < count; t++)
            {
                string name = reader.ReadString();
                int rank = reader.ReadInt32();
                if (rank < 0 || 4L * rank > Left()) throw Truncated(path);
                var shape = new int[rank];
                long size = 1;
                for (int i = 0; i < shape.Length; i++)
                {
                    shape[i] = reader.ReadInt32();
                    if (shape[i] < 0) throw new InvalidDataException($"'{path}' gives tensor '{name}' a negative dimension, {shape[i]}.");
                    // Saturates instead of overflowing: such a size fails the check below.
                    size = shape[i] == 0 ? 0 : size > long.MaxValue / 8 / shape[i] ? long.MaxValue / 8 : size * shape[i];
                }
                if (4 * size > Left()) throw Truncated(path);
                if (size > Array.MaxLength) throw new InvalidDataException($"'{path}' gives tensor '{name}' {size} values, more than one array can hold.");
                var values = new float[size];
                for (int i = 0; i < values.Length; i++) values[i] = reader.ReadSingle();
                result.Add((name, shape, values));
            }
            return result;
        }
        catch (EndOfStreamException)
        {
            throw Truncated(path);
        }
    }

    private static InvalidDataException Truncated(string path) => new($"'{path}' ends before the weights it announces: the file is truncated.");

    /// <summary>Puts the weights of a file into a model with the same layers.</summary>
    public static void Load(Model model, string path) => model.SetWeights(Read(path).Select(t => t.Values).ToArray());
}
