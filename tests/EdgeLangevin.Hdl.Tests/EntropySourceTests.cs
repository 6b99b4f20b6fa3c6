using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Core.HardwareNoise;
using Xunit.Abstractions;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// The entropy source (el_entropy with the behavioural rings of el_ro_model) under Icarus and
/// Verilator: the C# NoiseHealthMonitor replayed on the very raw bits the Verilog health tests took
/// gives the same events, a healthy run passes and conditions, and each injected fault is caught at
/// the same sample count in C# and in Verilog.
/// </summary>
public sealed class EntropySourceTests(ITestOutputHelper output)
{
    private static readonly EntropySettings Source = new() { Enabled = true };

    public static TheoryData<HdlSimulator> Simulators() => new() { HdlSimulator.Icarus, HdlSimulator.Verilator };

    [Theory]
    [MemberData(nameof(Simulators))]
    public void Each_injected_fault_is_caught_at_the_sample_the_csharp_monitor_needs(HdlSimulator sim)
    {
        HdlTestConfigs.RequireTools(sim == HdlSimulator.Icarus ? "iverilog" : "verilator");
        var verifier = new EntropyVerifier(HdlTestConfigs.WorkRoot);

        EntropyRun healthy = verifier.Simulate(Source, sim, 3072);
        HealthRun expectedHealthy = EntropyVerifier.Expected(healthy, Source);
        output.WriteLine($"{sim} healthy: {healthy.RawBits.Length} raw bits, {healthy.RawBits.Count(b => b == 1)} ones, {healthy.ConditionedBits} conditioned bits, seed valid {healthy.SeedValid}, windows {string.Join(", ", healthy.Health.Events.Select(e => e.Measure))}");
        Assert.True(expectedHealthy.FirstDifference(healthy.Health) is null, $"{sim} healthy: {expectedHealthy.FirstDifference(healthy.Health)}");
        Assert.Null(expectedHealthy.FirstDetection);
        Assert.True(healthy.Health.Events.Count(e => e.Kind == "WINDOW") >= 5);
        // the parity conditioner: one bit per COND_RAW raw bits (the last partial group may be pending)
        Assert.InRange(healthy.ConditionedBits, healthy.RawBits.Length / Source.CondRaw - 1, healthy.RawBits.Length / Source.CondRaw);
        Assert.True(healthy.SeedValid);

        const int faultAt = 1500;
        foreach (EntropyFault fault in new[] { EntropyFault.Stuck, EntropyFault.Biased, EntropyFault.Correlated })
        {
            EntropyRun run = verifier.Simulate(Source, sim, 8192, fault, faultAt);
            HealthRun expected = EntropyVerifier.Expected(run, Source);
            output.WriteLine($"{sim} {fault} from raw bit {faultAt}: C# {Describe(expected)}, Verilog {Describe(run.Health)}");
            Assert.True(expected.FirstDifference(run.Health) is null, $"{sim} {fault}: {expected.FirstDifference(run.Health)}");
            Assert.NotNull(run.Health.FirstDetection);
            Assert.True(run.Health.FirstDetection > faultAt, $"{sim} {fault}: detected at {run.Health.FirstDetection}, before the fault started");
            Assert.False(run.SeedValid);
        }
    }

    private static string Describe(HealthRun r) =>
        r.FailuresOnly.FirstOrDefault() is { } f ? $"{(NoiseHealthStatus)f.Status} at raw bit {f.N} (measure {f.Measure})" : "no failure";
}
