namespace EdgeLangevin.Core.Tests;

/// <summary>
/// "0 bytes per step" for a whole engine run: no step allocated, or exactly one (a runtime one-off charged to
/// one step; src/EdgeLangevin.Simulator/StepAllocations.cs says when it was seen). A step path that allocates
/// does so in most steps and fails here; the kernel tests measure single steps from the first and require 0.
/// </summary>
internal static class AllocationAssert
{
    public static void NoStepAllocates(long allocatingSteps, double bytesPerStep) =>
        Assert.True(allocatingSteps <= 1, $"{allocatingSteps} steps allocated ({bytesPerStep} bytes per step over the run)");
}
