using Tailor.Data;

namespace Tailor.Tests.Data;

public sealed class ClassCountsTests
{
    [Fact]
    public void Counts_each_class_including_absent_ones()
    {
        Assert.Equal([2, 0, 1, 3], ClassCounts.Count([0, 3, 2, 3, 0, 3], 4));
        Assert.Equal([2, 0, 1, 3], ClassCounts.Count(new byte[] { 0, 3, 2, 3, 0, 3 }, 4));
    }

    [Fact]
    public void Label_outside_the_classes_names_index_and_value()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ClassCounts.Count([0, 1, 4], 4));

        Assert.StartsWith("Label at index 2 is 4, expected a class in [0, 4).", e.Message);
    }

    [Fact]
    public void Summary_has_a_named_row_per_class()
    {
        var rows = ClassCounts.Of(SyntheticFashion.Dataset(trainCount: 25, testCount: 12));

        Assert.Equal(new ClassCount(0, "T-shirt/top", 3, 2), rows[0]);
        Assert.Equal(new ClassCount(4, "Coat", 3, 1), rows[4]);
        Assert.Equal(new ClassCount(9, "Ankle boot", 2, 1), rows[9]);
    }
}
