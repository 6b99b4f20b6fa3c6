namespace EdgeLangevin.Simulator;

/// <summary>
/// The heap bytes a run's steps allocated, step by step: the total, and how many steps allocated
/// anything. Why both: a step path that allocates does so in every step (or every few), so it shows as
/// many allocating steps; a runtime one-off charged to one step does not. Under a loaded test host
/// GC.GetAllocatedBytesForCurrentThread once charged 7.3 KB to one step of a 40000-step run whose every
/// other step allocated nothing (CI of 1d416f5, two tests in one process, each passing alone), and
/// 1.1-1.3 KB to one step of 2 of 30 11000-step inference runs beside a learning run (session 19); no
/// allocation was found in the code those steps ran (a direct harness stepping the same solvers saw
/// none in over 3 million steps, with and without GC pressure and tiering changes). The tests that require
/// 0 bytes per step therefore read <see cref="AllocatingSteps"/> (at most one such step), and the
/// kernel tests that measure single steps from the first one still require exactly 0.
/// </summary>
public struct StepAllocations
{
    /// <summary>Bytes allocated over all steps counted.</summary>
    public long Bytes { get; private set; }

    /// <summary>Steps counted.</summary>
    public long Steps { get; private set; }

    /// <summary>Steps that allocated at least one byte.</summary>
    public long AllocatingSteps { get; private set; }

    /// <summary>Counts one step that allocated <paramref name="bytes"/>.</summary>
    public void Add(long bytes)
    {
        Bytes += bytes;
        Steps++;
        if (bytes != 0) AllocatingSteps++;
    }

    /// <summary>Bytes per step over the whole run (0 when no step was counted).</summary>
    public readonly double BytesPerStep => Steps == 0 ? 0 : (double)Bytes / Steps;
}
