using Tailor.Common;

namespace Tailor.Tests.Cli;

public sealed class ValueRangeTests
{
    [Fact]
    public void Whole_ranges_hold_their_bounds_exactly_even_at_the_ends_of_64_bits()
    {
        var range = new ValueRange(1, 65_536);
        Assert.Equal("1 to 65,536", range.Text);
        Assert.True(range.Contains(1) && range.Contains(65_536) && range.Contains((int?)7));
        Assert.False(range.Contains(0) || range.Contains(65_537) || range.Contains(int.MaxValue) || range.Contains(null));
        Assert.False(range.Contains(2.5), "a whole range holds no fraction");

        Assert.True(ValueRange.Seed.Contains(ulong.MaxValue) && ValueRange.Seed.Contains(0UL));
        Assert.False(ValueRange.Seed.Contains(-1L));
        Assert.Equal("0 to 18,446,744,073,709,551,615", ValueRange.Seed.Text);
    }

    [Fact]
    public void Real_ranges_have_open_or_closed_ends_and_hold_no_NaN_or_infinity()
    {
        var range = new ValueRange(0, 10, Whole: false, MinExclusive: true);
        Assert.Equal("(0, 10]", range.Text);
        Assert.True(range.Contains(1e-30f) && range.Contains(10f) && range.Contains(0.5));
        Assert.False(range.Contains(0f) || range.Contains(MathF.BitIncrement(10f)) || range.Contains(float.NaN) || range.Contains(double.PositiveInfinity));
        Assert.Equal("[0, 1)", new ValueRange(0, 1, Whole: false, MaxExclusive: true).Text);
    }

    [Fact]
    public void The_refusal_names_the_setting_the_range_the_note_and_the_value()
    {
        var folds = new ValueRange(2, 10_000, Note: "at least 2: one fold validates");
        Assert.Equal("--folds must be 2 to 10,000 (at least 2: one fold validates), received 1.", folds.Refusal("--folds", "1"));
        var e = Assert.Throws<ArgumentException>(() => new ValueRange(0, 1, Whole: false, MinExclusive: true).Check("--l2", -0.5f));
        Assert.Equal("--l2 must be in (0, 1], received -0.5.", e.Message);
    }
}
