using Tailor.Kernels;

namespace Tailor.Layers.Pooling;

/// <summary>
/// What the 1D and 2D pooling layers share: a window slid over each sample, described by a
/// <see cref="ConvGeometry"/> (a sequence is pooled as an image of height 1), and its padding.
/// </summary>
public abstract class WindowPooling : SampleParallelLayer
{
    private protected ConvGeometry Geometry;

    protected WindowPooling(Padding padding, string? name) : base(name)
    {
        if (padding == Padding.Causal)
            throw new ArgumentException($"{GetType().Name} does not support padding 'causal'. Use Padding.Valid or Padding.Same.", nameof(padding));
        Padding = padding;
    }

    public Padding Padding { get; }
}
