using Tailor.Distribution;

namespace Tailor.Tests.Distribution;

public sealed class UnitSchedulerTests
{
    [Fact]
    public void In_process_computes_the_units_in_the_order_given_and_hands_each_record_on()
    {
        var heard = new List<(int, byte)>();

        bool complete = UnitScheduler.InProcess.Run([2, 0, 1], unit => [(byte)(10 * unit)], (unit, record) => heard.Add((unit, record[0])));

        Assert.True(complete);
        Assert.Equal([(2, 20), (0, 0), (1, 10)], heard);
        Assert.True(UnitScheduler.InProcess.IsCoordinator);
        Assert.Equal(1, UnitScheduler.InProcess.Workers);
    }

    [Fact]
    public void In_process_stops_at_the_first_interrupted_unit()
    {
        var computed = new List<int>();
        var heard = new List<int>();

        bool complete = UnitScheduler.InProcess.Run([0, 1, 2], unit =>
        {
            computed.Add(unit);
            return unit == 1 ? null : [];
        }, (unit, _) => heard.Add(unit));

        Assert.False(complete);
        Assert.Equal([0, 1], computed);
        Assert.Equal([0], heard);
    }
}
