using Tailor.Common;
using Tailor.Graphs;
using Tailor.Kernels;

namespace Tailor.Layers.Pooling;

/// <summary>The shape logic and config of the 2D pooling layers.</summary>
public abstract class BasePooling2D : WindowPooling
{
    protected BasePooling2D((int Height, int Width) poolSize, (int Height, int Width)? strides, Padding padding, string? name)
        : base(padding, name)
    {
        Guard.Size(poolSize.Height, "pool_size");
        Guard.Size(poolSize.Width, "pool_size");
        var s = strides ?? poolSize;
        Guard.Size(s.Height, "strides");
        Guard.Size(s.Width, "strides");
        PoolSize = poolSize;
        Strides = s;
    }

    public (int Height, int Width) PoolSize { get; }
    public (int Height, int Width) Strides { get; }

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length != 3)
            throw new ArgumentException($"{Describe()} expects input of shape (None, height, width, channels), received shape {FormatBatchShape(inputShape)}.");
        var g = ConvGeometry.Create(inputShape[0], inputShape[1], inputShape[2], PoolSize.Height, PoolSize.Width, Strides.Height, Strides.Width, Padding);
        // A window larger than the input (possible with same padding) pools nothing more, and only costs time.
        if (g.OutHeight <= 0 || g.OutWidth <= 0 || PoolSize.Height > inputShape[0] || PoolSize.Width > inputShape[1])
            throw new ArgumentException($"{Describe()} with pool {PoolSize.Height}x{PoolSize.Width} does not fit input of shape {FormatBatchShape(inputShape)}.");
        Geometry = g;
        return [g.OutHeight, g.OutWidth, inputShape[2]];
    }

    /// <summary>Appends ONNX's pooling operator <paramref name="opType"/> on the channels-first input; the output stays channels-first.</summary>
    private protected void DescribePooling(InferenceGraph graph, string opType)
    {
        string input = graph.Input(TensorLayout.ChannelsFirst);
        graph.SetOutput(graph.Node(opType, "pool", [input],
            ("kernel_shape", new long[] { PoolSize.Height, PoolSize.Width }),
            ("strides", new long[] { Strides.Height, Strides.Width }),
            ("pads", WindowPads.Of(InputShape[..2], [PoolSize.Height, PoolSize.Width], [Strides.Height, Strides.Width], Padding))), TensorLayout.ChannelsFirst);
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = new[] { PoolSize.Height, PoolSize.Width };
        config["strides"] = new[] { Strides.Height, Strides.Width };
        config["padding"] = Padding.ToString().ToLowerInvariant();
        return config;
    }
}
