using Tailor.Common;
using Tailor.Data;

namespace Tailor.Tests.Data;

public sealed class StratifiedKFoldTests
{
    /// <summary>Unbalanced labels: class c has 30 + 7c samples (class 9 the largest), shuffled, plus one class that never occurs.</summary>
    private static int[] Labels(ulong seed = 4)
    {
        var labels = new List<int>();
        for (int c = 0; c < 9; c++) labels.AddRange(Enumerable.Repeat(c, 30 + 7 * c));
        var array = labels.ToArray();
        new Rng(seed).Shuffle(array);
        return array;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(30)]
    public void Each_fold_holds_each_class_s_share_to_within_one_sample(int k)
    {
        int[] labels = Labels();
        var folds = StratifiedKFold.Split(labels, k, numClasses: 10, seed: 1);

        int[] total = ClassCounts.Count(labels, 10);
        foreach (var fold in folds)
        {
            int[] held = ClassCounts.Count(fold.ValidationIndices.Select(i => labels[i]).ToArray(), 10);
            for (int c = 0; c < 10; c++)
            {
                double share = (double)total[c] / k;
                Assert.True(Math.Abs(held[c] - share) < 1, $"fold {fold.Number} holds {held[c]} of class {c}, its share is {share:F2}");
            }
        }
        var sizes = folds.Select(f => f.ValidationIndices.Length).ToArray();
        Assert.True(sizes.Max() - sizes.Min() <= 1, $"fold sizes {string.Join(", ", sizes)}");
    }

    [Fact]
    public void The_folds_partition_the_samples_and_each_trains_on_all_the_others()
    {
        int[] labels = Labels();
        var folds = StratifiedKFold.Split(labels, 5, numClasses: 10, seed: 2);

        var held = folds.SelectMany(f => f.ValidationIndices).ToArray();
        Assert.Equal(labels.Length, held.Length);
        Assert.Equal(Enumerable.Range(0, labels.Length), held.Order());
        Assert.Equal(Enumerable.Range(1, 5), folds.Select(f => f.Number));
        foreach (var fold in folds)
        {
            Assert.Empty(fold.TrainIndices.Intersect(fold.ValidationIndices));
            Assert.Equal(Enumerable.Range(0, labels.Length), fold.TrainIndices.Concat(fold.ValidationIndices).Order());
        }
    }

    [Fact]
    public void The_same_seed_gives_the_same_folds_and_another_seed_other_folds()
    {
        int[] labels = Labels();
        var a = StratifiedKFold.Split(labels, 4, 10, seed: 7);
        var b = StratifiedKFold.Split(labels, 4, 10, seed: 7);
        var c = StratifiedKFold.Split(labels, 4, 10, seed: 8);

        for (int f = 0; f < 4; f++)
        {
            Assert.Equal(a[f].ValidationIndices, b[f].ValidationIndices);
            Assert.Equal(a[f].TrainIndices, b[f].TrainIndices);
        }
        Assert.False(a.Zip(c).All(p => p.First.ValidationIndices.SequenceEqual(p.Second.ValidationIndices)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-2)]
    public void Fewer_than_two_folds_is_an_error_naming_the_option(int k)
    {
        var e = Assert.Throws<ArgumentException>(() => StratifiedKFold.CheckFolds(Labels(), k, 10, "--folds"));

        Assert.Contains("--folds", e.Message);
        Assert.Contains("at least 2", e.Message);
    }

    [Fact]
    public void More_folds_than_the_smallest_class_has_samples_is_an_error_naming_the_limit_and_the_class()
    {
        // Class 0 is the smallest, with 30 samples; class 9 is absent and does not count.
        Assert.Equal((30, 0), StratifiedKFold.Limit(Labels(), 10));
        StratifiedKFold.CheckFolds(Labels(), 30, 10, "--folds");

        var e = Assert.Throws<ArgumentException>(() => StratifiedKFold.CheckFolds(Labels(), 31, 10, "--folds", FashionMnist.ClassNames));

        Assert.Contains("--folds", e.Message);
        Assert.Contains("at most 30", e.Message);
        Assert.Contains(FashionMnist.ClassNames[0], e.Message);
        Assert.Contains("31", e.Message);
        Assert.Throws<ArgumentException>(() => StratifiedKFold.Split(Labels(), 31, 10, seed: 1));
    }
}
