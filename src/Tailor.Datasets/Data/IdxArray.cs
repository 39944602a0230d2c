namespace Tailor.Data;

/// <summary>
/// The content of an IDX file of unsigned bytes: its dimensions, outermost first, and the values in
/// row-major order.
/// </summary>
public sealed class IdxArray
{
    private readonly int[] _dimensions;

    public IdxArray(byte[] data, params int[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(dimensions);
        if (dimensions.Length is < 1 or > 255)
            throw new ArgumentException($"An IDX array has 1 to 255 dimensions, received {dimensions.Length}.", nameof(dimensions));
        if (Array.Exists(dimensions, d => d <= 0))
            throw new ArgumentException($"IDX dimensions must be positive, received {FormatDimensions(dimensions)}.", nameof(dimensions));
        long length = ElementCount(dimensions);
        if (length != data.Length)
            throw new ArgumentException($"Dimensions {FormatDimensions(dimensions)} need {length} bytes, received {data.Length}.", nameof(data));
        Data = data;
        _dimensions = (int[])dimensions.Clone();
    }

    /// <summary>The values, row-major.</summary>
    public byte[] Data { get; }

    public ReadOnlySpan<int> Dimensions => _dimensions;

    public int Rank => _dimensions.Length;

    public int Dim(int axis) => _dimensions[axis];

    /// <summary>The IDX magic number: two zero bytes, the data type (0x08, unsigned byte), the rank.</summary>
    public int Magic => MagicFor(Rank);

    internal const byte UnsignedByteType = 0x08;

    internal static int MagicFor(int rank) => (UnsignedByteType << 8) | rank;

    /// <summary>Product of the dimensions, saturating at long.MaxValue once past what an array can hold.</summary>
    internal static long ElementCount(ReadOnlySpan<int> dimensions)
    {
        long n = 1;
        foreach (int d in dimensions)
        {
            n *= d;
            if (n > Array.MaxLength) return long.MaxValue;
        }
        return n;
    }

    /// <summary>"60000 x 28 x 28".</summary>
    internal static string FormatDimensions(ReadOnlySpan<int> dimensions)
    {
        var parts = new string[dimensions.Length];
        for (int i = 0; i < parts.Length; i++) parts[i] = dimensions[i].ToString();
        return string.Join(" x ", parts);
    }
}
