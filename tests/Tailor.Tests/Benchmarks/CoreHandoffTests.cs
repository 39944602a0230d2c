using Tailor.Benchmarks;

namespace Tailor.Tests.Benchmarks;

public class CoreHandoffTests
{
    /// <summary>
    /// A round trip is a positive time, or NaN where the two threads could not meet within a measurement's second
    /// (one core, or both cores busy with other tests): never zero, negative, infinite, and never a hang.
    /// </summary>
    [Fact]
    public void A_round_trip_is_a_positive_time_or_not_measured()
    {
        double nanoseconds = CoreHandoff.MeasureRoundTripNanoseconds();
        Assert.True(double.IsNaN(nanoseconds) || (double.IsFinite(nanoseconds) && nanoseconds > 0), $"round trip {nanoseconds} ns");
        if (Environment.ProcessorCount < 2) Assert.True(double.IsNaN(nanoseconds));
    }

    [Fact]
    public void Tables_show_whole_nanoseconds_or_a_dash()
    {
        Assert.Equal("62 ns", CoreHandoff.Describe(61.7));
        Assert.Equal("-", CoreHandoff.Describe(double.NaN));
    }
}
