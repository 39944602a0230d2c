using System.Text;
using CsCheck;

namespace Tailor.Tests.Fuzz;

/// <summary>
/// Mutated files for fuzzing the parsers: from a valid seed file, one to six edits of the kinds that
/// find parser bugs: a flipped bit, a byte set to a boundary value, a cut, an insertion, a deletion, a
/// duplicated chunk, and (for the JSON inside model files) a number or a quoted word replaced by a
/// hostile one. Positions are taken modulo the current length, so every edit applies.
/// </summary>
internal static class Mutations
{
    private abstract record Edit
    {
        public abstract byte[] Apply(byte[] bytes);
    }

    private sealed record FlipBit(int Position, int Bit) : Edit
    {
        public override byte[] Apply(byte[] b) { if (b.Length == 0) return b; var c = (byte[])b.Clone(); c[Position % c.Length] ^= (byte)(1 << Bit); return c; }
    }

    private sealed record SetByte(int Position, byte Value) : Edit
    {
        public override byte[] Apply(byte[] b) { if (b.Length == 0) return b; var c = (byte[])b.Clone(); c[Position % c.Length] = Value; return c; }
    }

    private sealed record Truncate(int Length) : Edit
    {
        public override byte[] Apply(byte[] b) => b[..(Length % (b.Length + 1))];
    }

    private sealed record Insert(int Position, byte[] Bytes) : Edit
    {
        public override byte[] Apply(byte[] b) { int p = Position % (b.Length + 1); return [.. b[..p], .. Bytes, .. b[p..]]; }
    }

    private sealed record Delete(int Position, int Count) : Edit
    {
        public override byte[] Apply(byte[] b) { if (b.Length == 0) return b; int p = Position % b.Length; int n = Math.Min(Count, b.Length - p); return [.. b[..p], .. b[(p + n)..]]; }
    }

    private sealed record Duplicate(int Position, int Count) : Edit
    {
        public override byte[] Apply(byte[] b) { if (b.Length == 0) return b; int p = Position % b.Length; int n = Math.Min(Count, b.Length - p); return [.. b[..(p + n)], .. b[p..]]; }
    }

    /// <summary>Replaces the k-th run of digits (with its sign) by a hostile number.</summary>
    private sealed record ReplaceNumber(int Which, string Number) : Edit
    {
        public override byte[] Apply(byte[] b)
        {
            var runs = new List<(int Start, int End)>();
            for (int i = 0; i < b.Length; i++)
                if (b[i] is >= (byte)'0' and <= (byte)'9')
                {
                    int start = i > 0 && b[i - 1] == '-' ? i - 1 : i;
                    while (i < b.Length && b[i] is >= (byte)'0' and <= (byte)'9' or (byte)'.' or (byte)'e' or (byte)'E') i++;
                    runs.Add((start, i));
                }
            if (runs.Count == 0) return b;
            var (s, e) = runs[Which % runs.Count];
            return [.. b[..s], .. Encoding.ASCII.GetBytes(Number), .. b[e..]];
        }
    }

    /// <summary>Replaces the k-th quoted word by another quoted word (a key or value the parser knows or does not).</summary>
    private sealed record ReplaceWord(int Which, string Word) : Edit
    {
        public override byte[] Apply(byte[] b)
        {
            var quotes = new List<int>();
            for (int i = 0; i < b.Length; i++) if (b[i] == '"') quotes.Add(i);
            if (quotes.Count < 2) return b;
            int k = Which % (quotes.Count / 2) * 2;
            return [.. b[..(quotes[k] + 1)], .. Encoding.UTF8.GetBytes(Word), .. b[quotes[k + 1]..]];
        }
    }

    private static readonly string[] HostileNumbers =
        ["0", "-1", "1", "2147483647", "2147483648", "-2147483648", "4294967296", "9223372036854775807", "18446744073709551616",
         "99999999999999999999999", "1e309", "-0", "0.5", "1e-50", "65536", "65537"];

    private static readonly string[] HostileWords =
        ["", "F64", "I32", "F32", "__metadata__", "Dense", "Conv2D", "Flatten", "Dropout", "MaxPooling2D", "name", "units", "config",
         "class_name", "layers", "input_shape", "shape", "data_offsets", "dtype", "format", "tailor.sequential", "same", "valid",
         "relu", "softmax", "nope", "order", "step", "rng", "history", "optimizer", "adam", "sgd", "\\u0000", "\\"];

    private static readonly Gen<Edit> AnyEdit = Gen.Frequency(
        (3, Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, 7], (p, bit) => (Edit)new FlipBit(p, bit))),
        (3, Gen.Select(Gen.Int[0, int.MaxValue], Gen.OneOf<byte>(0, 1, 0x7F, 0x80, 0xFF, (byte)'{', (byte)'"', (byte)'[', (byte)','), (p, v) => (Edit)new SetByte(p, v))),
        (1, Gen.Int[0, int.MaxValue].Select(n => (Edit)new Truncate(n))),
        (2, Gen.Select(Gen.Int[0, int.MaxValue], Gen.Byte.Array[1, 12], (p, bytes) => (Edit)new Insert(p, bytes))),
        (2, Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 64], (p, n) => (Edit)new Delete(p, n))),
        (1, Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 64], (p, n) => (Edit)new Duplicate(p, n))),
        (4, Gen.Select(Gen.Int[0, int.MaxValue], Gen.OneOf(HostileNumbers), (w, n) => (Edit)new ReplaceNumber(w, n))),
        (3, Gen.Select(Gen.Int[0, int.MaxValue], Gen.OneOf(HostileWords), (w, s) => (Edit)new ReplaceWord(w, s))));

    /// <summary>One of the seeds with one to six edits.</summary>
    public static Gen<byte[]> Of(params byte[][] seeds) =>
        Gen.Select(Gen.Int[0, seeds.Length - 1], AnyEdit.Array[1, 6], (i, edits) => edits.Aggregate(seeds[i], (bytes, edit) => edit.Apply(bytes)));
}
