using Tailor.Tensors;

namespace Tailor.Data.Images;

/// <summary>
/// A photo ready for a Fashion-MNIST model: Size x Size bytes, a light object on black, with what the
/// preprocessing decided on the way.
/// </summary>
public sealed record PreprocessedPhoto(byte[] Pixels, int Size, byte Background, bool Inverted, bool FoundObject)
{
    /// <summary>The input as a (1, Size, Size, 1) tensor in [0, 1], scaled as the IDX images are.</summary>
    public Tensor ToTensor()
    {
        var tensor = new Tensor(1, Size, Size, 1);
        PixelScaling.ToUnitRange(Pixels, tensor.Span);
        return tensor;
    }

    /// <summary>Writes the input as a Size x Size grayscale PNG (lossless, so it can be read back as it is), atomically.</summary>
    public void SavePng(string path) => ImageEncoder.SaveGrayPng(Pixels, Size, Size, path);
}
