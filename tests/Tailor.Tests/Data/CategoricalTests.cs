using Tailor.Data;

namespace Tailor.Tests.Data;

public sealed class CategoricalTests
{
    [Fact]
    public void Each_row_is_one_at_its_label_and_zero_elsewhere()
    {
        int[] labels = [3, 0, 9, 3];

        var oneHot = Categorical.ToCategorical(labels, 10);

        Assert.Equal("(4, 10)", oneHot.ShapeString);
        for (int row = 0; row < labels.Length; row++)
            for (int column = 0; column < 10; column++)
                Assert.Equal(column == labels[row] ? 1f : 0f, oneHot[row, column]);
    }

    [Fact]
    public void No_labels_give_an_empty_tensor_with_the_class_dimension()
    {
        Assert.Equal("(0, 4)", Categorical.ToCategorical([], 4).ShapeString);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(-1)]
    public void Label_outside_the_classes_names_index_and_value(int bad)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Categorical.ToCategorical([1, 2, bad], 10));

        Assert.StartsWith($"Label at index 2 is {bad}, expected a class in [0, 10).", e.Message);
    }

    [Fact]
    public void Class_count_must_be_positive()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Categorical.ToCategorical([0], 0));

        Assert.Contains("numClasses=0", e.Message);
    }
}
