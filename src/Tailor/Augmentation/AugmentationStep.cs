using Tailor.Common;

namespace Tailor.Augmentation;

/// <summary>
/// One random transformation of an image, as one of Keras's augmentation layers. It changes one
/// image in place, drawing only from the generator it is given, so an image's result depends on
/// that generator alone (not on other images or on which thread runs it).
/// </summary>
public abstract class AugmentationStep
{
    /// <summary>The name in a pipeline specification ("flip", "shift", ...).</summary>
    public abstract string Name { get; }

    /// <summary>Transforms <paramref name="image"/> (H, W, C) in place; <paramref name="scratch"/> has the same length and no meaning.</summary>
    public abstract void Apply(Span<float> image, Span<float> scratch, ImageSize size, Rng rng);

    /// <summary>The specification form, e.g. "shift:2", which <see cref="AugmentationPipeline.Parse"/> reads back.</summary>
    public abstract override string ToString();

    public abstract Dictionary<string, object?> GetConfig();
}
