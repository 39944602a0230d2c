using Tailor.Data;

namespace Tailor.Tests.Data;

/// <summary>Loads the repository's data/fashion/ once for all tests of this class.</summary>
public sealed class VendoredFashionMnistFixture
{
    public FashionMnistDataset Dataset { get; } = FashionMnist.Load(VendoredData.Directory);
}

public sealed class VendoredFashionMnistTests(VendoredFashionMnistFixture fixture) : IClassFixture<VendoredFashionMnistFixture>
{
    private readonly FashionMnistDataset _data = fixture.Dataset;

    [Fact]
    public void Holds_60000_training_and_10000_test_images_of_28_by_28()
    {
        Assert.Equal(FashionMnist.TrainCount, _data.Train.Count);
        Assert.Equal(FashionMnist.TestCount, _data.Test.Count);
        Assert.Equal(60_000 * 784, _data.Train.Pixels.Length);
        Assert.Equal(10_000 * 784, _data.Test.Pixels.Length);
    }

    [Fact]
    public void Every_class_has_6000_training_and_1000_test_images()
    {
        var rows = ClassCounts.Of(_data);

        Assert.Equal(Enumerable.Range(0, 10), rows.Select(r => r.Label));
        Assert.Equal(FashionMnist.ClassNames, rows.Select(r => r.Name));
        Assert.All(rows, r => Assert.Equal((6000, 1000), (r.Train, r.Test)));
    }

    [Fact]
    public void Images_are_not_blank()
    {
        // A loader that dropped or misaligned the payload would give zero or constant images.
        foreach (var set in new[] { _data.Train, _data.Test })
        {
            var first = set.Image(0);
            var last = set.Image(set.Count - 1);
            Assert.True(first.ToArray().Distinct().Count() > 10, "the first image has fewer than 11 distinct grey levels");
            Assert.True(last.ToArray().Distinct().Count() > 10, "the last image has fewer than 11 distinct grey levels");
        }
    }

    [Fact]
    public void Notebook_sample_has_the_notebook_sizes()
    {
        var sample = FashionSample.Draw(_data);

        Assert.Equal("(8000, 28, 28, 1)", sample.Train.Images.ShapeString);
        Assert.Equal("(2000, 28, 28, 1)", sample.Validation.Images.ShapeString);
        Assert.Equal("(2500, 28, 28, 1)", sample.Test.Images.ShapeString);
        Assert.Equal("(8000, 10)", sample.Train.OneHot.ShapeString);
        // Sampling 10,000 of 60,000 keeps the classes near balance: about 1,000 each.
        Assert.All(ClassCounts.Count([.. sample.Train.Labels, .. sample.Validation.Labels], 10), n => Assert.InRange(n, 850, 1150));
    }

    [Theory]
    [MemberData(nameof(VendoredFiles))]
    public void Vendored_files_match_the_catalogue_checksums(string name)
    {
        var file = FashionMnist.Files.Single(f => f.Name == name);

        var sums = FileChecksums.Compute(VendoredData.PathOf(file));

        Assert.Equal(file.VendoredSha256, sums.Sha256);
        Assert.True(sums.Matches(file));
    }

    [Fact]
    public void Vendored_label_files_are_the_official_ones()
    {
        Assert.Equal(FashionMnist.TrainLabels.OfficialMd5, FileChecksums.Compute(VendoredData.PathOf(FashionMnist.TrainLabels)).Md5);
        Assert.Equal(FashionMnist.TestLabels.OfficialMd5, FileChecksums.Compute(VendoredData.PathOf(FashionMnist.TestLabels)).Md5);
    }

    public static TheoryData<string> VendoredFiles => new(FashionMnist.Files.Select(f => f.Name));
}
