namespace EdgeLangevin.Cli.Tests;

/// <summary>
/// A theory that takes minutes (synthesis, full reproductions): skipped in the default run, which CI
/// runs, unless EDGELANGEVIN_SLOW_TESTS=1. Run them with
/// <c>EDGELANGEVIN_SLOW_TESTS=1 dotnet test tests/EdgeLangevin.Cli.Tests -c Release --filter Category=Slow</c>.
/// </summary>
public sealed class SlowTheoryAttribute : TheoryAttribute
{
    public SlowTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable("EDGELANGEVIN_SLOW_TESTS") != "1")
            Skip = "slow (minutes); set EDGELANGEVIN_SLOW_TESTS=1 to run";
    }
}
