using Tailor.Data;

namespace Tailor.Tests.Data;

public sealed class FashionMnistLoadTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Load_reads_the_four_files()
    {
        var written = SyntheticFashion.Dataset(trainCount: 30, testCount: 20);
        SyntheticFashion.WriteFiles(_temp.Path, written);

        var loaded = FashionMnist.Load(_temp.Path);

        Assert.Equal(30, loaded.Train.Count);
        Assert.Equal(20, loaded.Test.Count);
        Assert.Equal((28, 28), (loaded.Train.Height, loaded.Train.Width));
        Assert.Equal(written.Train.Pixels, loaded.Train.Pixels);
        Assert.Equal(written.Train.Labels, loaded.Train.Labels);
        Assert.Equal(written.Test.Pixels, loaded.Test.Pixels);
        Assert.Equal(written.Test.Labels, loaded.Test.Labels);
    }

    [Fact]
    public void Image_and_label_count_mismatch_names_both_files_and_counts()
    {
        SyntheticFashion.WriteFiles(_temp.Path, SyntheticFashion.Dataset(30, 20));
        string labels = _temp.File(FashionMnist.TrainLabels.Name);
        IdxWriter.Write(labels, new IdxArray(new byte[29], 29));

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(_temp.Path));

        string images = _temp.File(FashionMnist.TrainImages.Name);
        Assert.Equal($"{images}: holds 30 images, but {labels} holds 29 labels; expected one label per image.", e.Message);
    }

    [Fact]
    public void Label_outside_the_classes_names_file_index_and_value()
    {
        SyntheticFashion.WriteFiles(_temp.Path, SyntheticFashion.Dataset(30, 20));
        var values = new byte[20];
        values[7] = 10;
        string labels = _temp.File(FashionMnist.TestLabels.Name);
        IdxWriter.Write(labels, new IdxArray(values, 20));

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(_temp.Path));

        Assert.Equal($"{labels}: expected labels from 0 to 9, found 10 at index 7.", e.Message);
    }

    [Fact]
    public void Images_of_another_size_are_rejected()
    {
        SyntheticFashion.WriteFiles(_temp.Path, SyntheticFashion.Dataset(30, 20));
        string images = _temp.File(FashionMnist.TestImages.Name);
        IdxWriter.Write(images, new IdxArray(new byte[20 * 32 * 32], 20, 32, 32));

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(_temp.Path));

        Assert.Equal($"{images}: expected images of 28 x 28 pixels, found 32 x 32.", e.Message);
    }

    [Fact]
    public void Labels_and_images_swapped_are_a_wrong_magic()
    {
        SyntheticFashion.WriteFiles(_temp.Path, SyntheticFashion.Dataset(30, 20));
        string labels = _temp.File(FashionMnist.TrainLabels.Name);
        File.Copy(_temp.File(FashionMnist.TrainImages.Name), labels, overwrite: true);

        var e = Assert.Throws<DataFormatException>(() => FashionMnist.Load(_temp.Path));

        Assert.Equal($"{labels}: expected magic 0x00000801 (unsigned bytes, 1 dimension), found 0x00000803.", e.Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        SyntheticFashion.WriteFiles(_temp.Path, SyntheticFashion.Dataset(30, 20));
        File.Delete(_temp.File(FashionMnist.TestImages.Name));

        var e = Assert.Throws<DataNotFoundException>(() => FashionMnist.Load(_temp.Path));

        Assert.Contains(_temp.Path, e.Message);
        Assert.Contains($"lacks {FashionMnist.TestImages.Name}", e.Message);
    }

    [Fact]
    public void Missing_folder_is_named()
    {
        string folder = _temp.File("nowhere");

        var e = Assert.Throws<DataNotFoundException>(() => FashionMnist.Load(folder));

        Assert.Equal($"Fashion-MNIST folder '{folder}' does not exist.", e.Message);
    }

    [Fact]
    public void Catalogue_lists_the_ten_classes_and_four_files()
    {
        Assert.Equal(
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            FashionMnist.ClassNames);
        Assert.Equal(
            ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
            FashionMnist.Files.Select(f => f.Name));
        Assert.Equal("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz",
            FashionMnist.OfficialUrl(FashionMnist.TestLabels).AbsoluteUri);
    }
}
