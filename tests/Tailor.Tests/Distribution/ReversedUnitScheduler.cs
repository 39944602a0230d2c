using Tailor.Distribution;

namespace Tailor.Tests.Distribution;

/// <summary>
/// A scheduler that computes the units last first, as ranks finishing out of order would deliver them: a study
/// whose result depended on the order of its units would differ from its one-process run.
/// </summary>
internal sealed class ReversedUnitScheduler : UnitScheduler
{
    public List<int> Computed { get; } = [];

    public override bool IsCoordinator => true;

    public override int Workers => 2;

    public override bool Run(IReadOnlyList<int> units, Func<int, byte[]?> compute, Action<int, byte[]> finished)
    {
        foreach (int unit in units.Reverse())
        {
            Computed.Add(unit);
            if (compute(unit) is not { } record) return false;
            finished(unit, record);
        }
        return true;
    }
}
