namespace EdgeLangevin.Firmware.Tests;

/// <summary>
/// Bytes a piece of work allocates on this thread, for the "0 bytes per window" tests. GC.GetAllocatedBytesForCurrentThread
/// over-reports now and then by a few KB while other tests allocate on other threads (session 16: 1904 B and 5248 B for
/// windows that allocate nothing, in runs beside a loaded machine; every re-run passed; dotnet/runtime's own test of the
/// counter tolerates the same). Work that allocates does so in every batch, so the fewest bytes of several batches is the
/// measure, and the tests still require exactly 0.
/// </summary>
internal static class AllocationProbe
{
    public static long FewestBytes(int batches, Action batch)
    {
        long fewest = long.MaxValue;
        for (int b = 0; b < batches; b++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            batch();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
