namespace Tailor.Distribution;

/// <summary>
/// Runs the independent units of a study (the trials of a search, the folds of a cross-validation) on the
/// workers of a job: each unit is computed by one worker into a record of bytes, and the coordinator receives
/// every record. A unit's record must depend on the unit alone, never on the worker that computed it or on
/// the units before it, so that the coordinator ends with the same records whatever the number of workers.
/// </summary>
public abstract class UnitScheduler
{
    /// <summary>This process alone: it computes the units one after another, in the order given.</summary>
    public static UnitScheduler InProcess { get; } = new InProcessUnitScheduler();

    /// <summary>Whether this process receives the records (and so writes the study's results).</summary>
    public abstract bool IsCoordinator { get; }

    /// <summary>How many processes compute units.</summary>
    public abstract int Workers { get; }

    /// <summary>
    /// Computes <paramref name="units"/>, each by one worker. On the coordinator, each unit's record is handed
    /// to <paramref name="finished"/>, on the calling thread, as it arrives; Run returns true when every unit has
    /// arrived, or false when some unit was interrupted (<paramref name="compute"/> returned null): then no unit
    /// is started afterwards, and the units in progress elsewhere are awaited and still handed to
    /// <paramref name="finished"/>. On any other worker, Run computes the units the coordinator hands it until
    /// none is left (<paramref name="units"/> and <paramref name="finished"/> are not used there) and returns
    /// false when the run was interrupted.
    /// </summary>
    public abstract bool Run(IReadOnlyList<int> units, Func<int, byte[]?> compute, Action<int, byte[]> finished);

    private sealed class InProcessUnitScheduler : UnitScheduler
    {
        public override bool IsCoordinator => true;

        public override int Workers => 1;

        public override bool Run(IReadOnlyList<int> units, Func<int, byte[]?> compute, Action<int, byte[]> finished)
        {
            ArgumentNullException.ThrowIfNull(units);
            ArgumentNullException.ThrowIfNull(compute);
            ArgumentNullException.ThrowIfNull(finished);
            foreach (int unit in units)
            {
                if (compute(unit) is not { } record) return false;
                finished(unit, record);
            }
            return true;
        }
    }
}
