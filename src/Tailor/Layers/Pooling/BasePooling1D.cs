using Tailor.Common;
using Tailor.Graphs;
using Tailor.Kernels;

namespace Tailor.Layers.Pooling;

/// <summary>
/// The shape logic and config of the 1D pooling layers: a sequence (steps, channels) is pooled
/// as an image of height 1 by the 2D kernels.
/// </summary>
public abstract class BasePooling1D : WindowPooling
{
    protected BasePooling1D(int poolSize, int? strides, Padding padding, string? name)
        : base(padding, name)
    {
        Guard.Size(poolSize, "pool_size");
        int s = strides ?? poolSize;
        Guard.Size(s, "strides");
        PoolSize = poolSize;
        Strides = s;
    }

    public int PoolSize { get; }
    public int Strides { get; }

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length != 2)
            throw new ArgumentException($"{Describe()} expects input of shape (None, steps, channels), received shape {FormatBatchShape(inputShape)}.");
        var g = ConvGeometry.Create(1, inputShape[0], inputShape[1], 1, PoolSize, 1, Strides, Padding);
        if (g.OutWidth <= 0 || PoolSize > inputShape[0])
            throw new ArgumentException($"{Describe()} with pool {PoolSize} does not fit input of shape {FormatBatchShape(inputShape)}.");
        Geometry = g;
        return [g.OutWidth, inputShape[1]];
    }

    /// <summary>Appends ONNX's pooling operator <paramref name="opType"/> on the channels-first input; the output stays channels-first.</summary>
    private protected void DescribePooling(InferenceGraph graph, string opType)
    {
        string input = graph.Input(TensorLayout.ChannelsFirst);
        graph.SetOutput(graph.Node(opType, "pool", [input],
            ("kernel_shape", new long[] { PoolSize }),
            ("strides", new long[] { Strides }),
            ("pads", WindowPads.Of(InputShape[..1], [PoolSize], [Strides], Padding))), TensorLayout.ChannelsFirst);
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = new[] { PoolSize };
        config["strides"] = new[] { Strides };
        config["padding"] = Padding.ToString().ToLowerInvariant();
        return config;
    }
}
