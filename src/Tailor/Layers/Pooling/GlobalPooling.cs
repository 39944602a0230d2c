using Tailor.Graphs;

namespace Tailor.Layers.Pooling;

/// <summary>
/// Reduces every position of a sample to one value per channel: (steps, C) or (height, width, C) to (C),
/// as Keras's global pooling layers with keepdims=False. One task per sample.
/// </summary>
public abstract class GlobalPooling : SampleParallelLayer
{
    /// <param name="spatialAxes">1 for sequences, 2 for images.</param>
    /// <param name="name">The layer's name; a unique one is made when null.</param>
    private protected GlobalPooling(int spatialAxes, string? name) : base(name) => SpatialAxes = spatialAxes;

    /// <summary>Axes reduced besides the batch: 1 (steps) or 2 (height, width).</summary>
    public int SpatialAxes { get; }

    protected int Channels => InputShape[^1];

    public override int[] ComputeOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length != SpatialAxes + 1)
            throw new ArgumentException($"{Describe()} expects input of shape {(SpatialAxes == 1 ? "(None, steps, channels)" : "(None, height, width, channels)")}, received shape {FormatBatchShape(inputShape)}.");
        return [inputShape[^1]];
    }

    /// <summary>Appends ONNX's reduction <paramref name="opType"/> over the positions of either layout; the (N, C) result has no layout to keep.</summary>
    private protected void DescribeReduction(InferenceGraph graph, string opType)
    {
        string input = graph.Input();
        int first = graph.Layout == TensorLayout.ChannelsFirst ? 2 : 1;
        long[] axes = [.. Enumerable.Range(first, SpatialAxes).Select(a => (long)a)];
        graph.SetOutput(graph.Node(opType, "reduce", [input], ("axes", axes), ("keepdims", 0L)), TensorLayout.ChannelsLast);
    }

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        // No constructor parameter takes these: the registry refuses a config that asks for other values.
        config["data_format"] = "channels_last";
        config["keepdims"] = false;
        return config;
    }
}
