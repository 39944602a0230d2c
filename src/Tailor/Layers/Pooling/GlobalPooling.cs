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

    public override Dictionary<string, object?> GetConfig()
    {
        var config = base.GetConfig();
        config["data_format"] = "channels_last";
        config["keepdims"] = false;
        return config;
    }
}
