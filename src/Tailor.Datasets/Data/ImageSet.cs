using Tailor.Tensors;

namespace Tailor.Data;

/// <summary>
/// Grayscale images of one size with their class labels, as stored in IDX files: pixels row-major,
/// image after image, one byte each.
/// </summary>
public sealed class ImageSet
{
    public ImageSet(byte[] pixels, byte[] labels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"Image size must be positive, received {height} x {width}.");
        if ((long)labels.Length * height * width != pixels.Length)
            throw new ArgumentException($"{labels.Length} labels need {(long)labels.Length * height * width} pixels of {height} x {width} images, received {pixels.Length}.", nameof(pixels));
        Pixels = pixels;
        Labels = labels;
        Height = height;
        Width = width;
    }

    public byte[] Pixels { get; }

    public byte[] Labels { get; }

    public int Count => Labels.Length;

    public int Height { get; }

    public int Width { get; }

    public int PixelsPerImage => Height * Width;

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(checked(index * PixelsPerImage), PixelsPerImage);

    /// <summary>The images at <paramref name="indices"/>, in that order, as an (N, H, W, 1) tensor in [0, 1].</summary>
    public Tensor ToTensor(ReadOnlySpan<int> indices)
    {
        int size = PixelsPerImage;
        var tensor = new Tensor(indices.Length, Height, Width, 1);
        Span<float> values = tensor.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            CheckIndex(indices[i]);
            PixelScaling.ToUnitRange(Image(indices[i]), values.Slice(i * size, size));
        }
        return tensor;
    }

    /// <summary>The labels at <paramref name="indices"/>, in that order.</summary>
    public int[] LabelsAt(ReadOnlySpan<int> indices)
    {
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            CheckIndex(indices[i]);
            labels[i] = Labels[indices[i]];
        }
        return labels;
    }

    /// <summary>The first <paramref name="perClass"/> images of each class in file order, class after class, captioned with the class name.</summary>
    public (Tensor Images, IReadOnlyList<string> Captions) ExamplesPerClass(int perClass, IReadOnlyList<string> classNames)
    {
        var chosen = new List<int>();
        for (int label = 0; label < classNames.Count; label++)
        {
            int found = 0;
            for (int i = 0; i < Count && found < perClass; i++)
                if (Labels[i] == label) { chosen.Add(i); found++; }
        }
        var indices = chosen.ToArray();
        return (ToTensor(indices), indices.Select(i => classNames[Labels[i]]).ToArray());
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"Image index {index} is outside the {Count} images of this set.");
    }
}
