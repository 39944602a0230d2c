namespace Tailor.Serialization.OnnxImporting;

/// <summary>
/// Where one tensor of the ONNX graph lives in the Tailor model being built: its ONNX shape, the shape Tailor's
/// layers hold it in (both per sample, without the batch axis), and where each ONNX value sits among Tailor's
/// (row-major flat indices). ONNX's Conv and pooling are channels-first, (C, H, W), while Tailor's layers are
/// channels-last, (H, W, C): a convolution's output is the same values in another order. Transpose, Reshape and
/// Flatten change only the ONNX shape and order, so they need no layer; a layer that reads features in order
/// (Dense) takes them as they are in Tailor and gets its weight rows permuted instead.
/// </summary>
internal sealed class TensorMap
{
    private TensorMap(int[] onnx, int[] tailor, int[]? order)
    {
        Onnx = onnx;
        Tailor = tailor;
        Order = order;
    }

    /// <summary>The ONNX shape, per sample.</summary>
    public int[] Onnx { get; }

    /// <summary>The shape Tailor's tensor has, per sample; the same number of values.</summary>
    public int[] Tailor { get; }

    /// <summary>Order[i] is the Tailor flat index of ONNX's flat value i; null when they are in the same order.</summary>
    public int[]? Order { get; }

    public int Size => Size0(Onnx);

    /// <summary>Tailor holds the values as ONNX does.</summary>
    public static TensorMap Same(int[] shape) => new(shape, shape, null);

    /// <summary>ONNX's channels-first (C, positions...) held as Tailor's channels-last (positions..., C).</summary>
    public static TensorMap ChannelsLast(int[] onnx) => new(onnx, ChannelsLastShape(onnx), NullIfIdentity(ChannelsLastOrder(onnx)));

    /// <summary>The same Tailor tensor, now with Tailor shape <paramref name="tailor"/> (a Reshape or Flatten layer, which keeps the order).</summary>
    public TensorMap WithTailorShape(int[] tailor) => new(Onnx, tailor, Order);

    /// <summary>The same values under ONNX's Reshape or Flatten to <paramref name="onnx"/>, which keep ONNX's order.</summary>
    public TensorMap Reshaped(int[] onnx) => new(onnx, Tailor, Order);

    /// <summary>Under ONNX's Transpose with the per-sample permutation <paramref name="perm"/> (output axis i is input axis perm[i]).</summary>
    public TensorMap Transposed(int[] perm)
    {
        int rank = Onnx.Length;
        var shape = perm.Select(p => Onnx[p]).ToArray();
        var strides = Strides(Onnx);
        var order = new int[Size];
        var index = new int[rank];
        for (int j = 0; j < order.Length; j++)
        {
            int source = 0;
            for (int a = 0; a < rank; a++) source += index[a] * strides[perm[a]];
            order[j] = Order == null ? source : Order[source];
            for (int a = rank - 1; a >= 0 && ++index[a] == shape[a]; a--) index[a] = 0;
        }
        return new TensorMap(shape, Tailor, NullIfIdentity(order));
    }

    /// <summary>Whether Tailor holds this channels-first ONNX tensor channels-last, as its Conv and pooling layers need.</summary>
    public bool IsChannelsLast => SameOrder(Order, NullIfIdentity(ChannelsLastOrder(Onnx)));

    /// <summary>Whether Tailor holds the values in ONNX's order.</summary>
    public bool InOnnxOrder => Order == null;

    /// <summary>(C, positions...) as (positions..., C).</summary>
    public static int[] ChannelsLastShape(int[] onnx) => [.. onnx[1..], onnx[0]];

    /// <summary>For each value of a channels-first tensor of shape <paramref name="onnx"/>, its flat index when channels-last.</summary>
    public static int[] ChannelsLastOrder(int[] onnx)
    {
        int channels = onnx[0], positions = Size0(onnx) / Math.Max(channels, 1);
        var order = new int[channels * positions];
        for (int c = 0; c < channels; c++)
            for (int p = 0; p < positions; p++)
                order[c * positions + p] = p * channels + c;
        return order;
    }

    public static string Format(int[] shape) => $"(N, {string.Join(", ", shape)})";

    private static bool SameOrder(int[]? a, int[]? b) => a == null ? b == null : b != null && a.AsSpan().SequenceEqual(b);

    private static int[]? NullIfIdentity(int[] order)
    {
        for (int i = 0; i < order.Length; i++)
            if (order[i] != i) return order;
        return null;
    }

    private static int Size0(int[] shape)
    {
        int size = 1;
        foreach (int d in shape) size *= d;
        return size;
    }

    private static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        for (int a = shape.Length - 1, s = 1; a >= 0; s *= shape[a], a--) strides[a] = s;
        return strides;
    }
}
