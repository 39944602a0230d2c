namespace Tailor.Augmentation;

/// <summary>What a geometric step puts where it samples outside the image, as Keras's fill_mode.</summary>
public enum FillMode
{
    /// <summary>The fill value (0: black, the Fashion-MNIST background).</summary>
    Constant,
    /// <summary>The edge pixel, repeated.</summary>
    Nearest,
    /// <summary>The image mirrored about its edge (d c b a | a b c d | d c b a).</summary>
    Reflect,
}
