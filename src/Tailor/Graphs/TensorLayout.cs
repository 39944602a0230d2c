namespace Tailor.Graphs;

/// <summary>Where a tensor of an <see cref="InferenceGraph"/> keeps its channels.</summary>
public enum TensorLayout
{
    /// <summary>(N, positions..., C): Tailor's and Keras's layout, in which Flatten, Reshape and Dense see the values.</summary>
    ChannelsLast,

    /// <summary>(N, C, positions...): the layout of ONNX's Conv and pooling operators.</summary>
    ChannelsFirst,
}
