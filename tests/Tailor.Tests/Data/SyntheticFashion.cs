using Tailor.Data;

namespace Tailor.Tests.Data;

/// <summary>Small Fashion-MNIST-shaped datasets with known content: image i is filled with i % 256, its label is i % 10.</summary>
internal static class SyntheticFashion
{
    public static ImageSet Set(int count, int size = 28)
    {
        var pixels = new byte[count * size * size];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            pixels.AsSpan(i * size * size, size * size).Fill((byte)(i % 256));
            labels[i] = (byte)(i % 10);
        }
        return new ImageSet(pixels, labels, size, size);
    }

    public static FashionMnistDataset Dataset(int trainCount, int testCount) => new(Set(trainCount), Set(testCount));

    /// <summary>Writes the four files of <paramref name="dataset"/> into <paramref name="folder"/> under their official names.</summary>
    public static void WriteFiles(string folder, FashionMnistDataset dataset)
    {
        WriteSet(folder, dataset.Train, FashionMnist.TrainImages, FashionMnist.TrainLabels);
        WriteSet(folder, dataset.Test, FashionMnist.TestImages, FashionMnist.TestLabels);
    }

    private static void WriteSet(string folder, ImageSet set, FashionMnistFile images, FashionMnistFile labels)
    {
        IdxWriter.Write(Path.Combine(folder, images.Name), new IdxArray(set.Pixels, set.Count, set.Height, set.Width));
        IdxWriter.Write(Path.Combine(folder, labels.Name), new IdxArray(set.Labels, set.Count));
    }

    /// <summary>Empty files under the four official names: enough for the locator, which checks names only.</summary>
    public static string TouchFiles(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in FashionMnist.Files) File.WriteAllBytes(Path.Combine(folder, file.Name), []);
        return folder;
    }
}
