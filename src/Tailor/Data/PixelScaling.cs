namespace Tailor.Data;

/// <summary>Converts 8-bit pixels to floats in [0, 1].</summary>
public static class PixelScaling
{
    // A table rather than a multiply by 1/255: the table holds exactly pixel / 255f, the value that
    // PyTorch's `x / 255` and NumPy's produce, so tensors agree bit for bit with the peer scripts.
    private static readonly float[] UnitTable = BuildTable();

    /// <summary>Effectively computes <c>destination[i] = pixels[i] / 255f</c>.</summary>
    public static void ToUnitRange(ReadOnlySpan<byte> pixels, Span<float> destination)
    {
        if (destination.Length < pixels.Length)
            throw new ArgumentException($"Destination holds {destination.Length} values, {pixels.Length} pixels need converting.", nameof(destination));
        float[] table = UnitTable;
        for (int i = 0; i < pixels.Length; i++) destination[i] = table[pixels[i]];
    }

    private static float[] BuildTable()
    {
        var table = new float[256];
        for (int i = 0; i < table.Length; i++) table[i] = i / 255f;
        return table;
    }
}
