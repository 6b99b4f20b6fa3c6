using System.Globalization;
using System.Runtime.CompilerServices;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Core.HardwareNoise;
using Xunit.Abstractions;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// The Verilog health tests (el_health) against the C# NoiseHealthMonitor, event for event, on the
/// recorded ADC streams of the firmware tests and on synthetic faults (stuck, biased, correlated,
/// periodic), under Icarus and Verilator. Every event is compared: each finished correlation
/// window's rho in Q1.15 and each failure's test, value, measure and sample count at detection.
/// </summary>
public sealed class HealthTestTests(ITestOutputHelper output)
{
    /// <summary>The ring-oscillator source's raw bits: 1 bit, claimed H = 0.5 bit (RCT 41, APT 793 of 1024).</summary>
    private static readonly HealthTestSpec Binary = new(1, 4);

    /// <summary>The MCP3008 noise channel as the IoT firmware tests it: 10 bits, H = 2 bits (RCT 11, APT 177 of 512).</summary>
    private static readonly HealthTestSpec Adc = new(10, 16);

    /// <summary>16-bit samples: the only width where the correlation's numerator passes 2^46 and the normalising shift runs.</summary>
    private static readonly HealthTestSpec Wide = new(16, 32);

    private static string RecordingsDir([CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "..", "EdgeLangevin.Firmware.Tests", "Recordings");

    private static int[] Recording(string name) => File.ReadLines(Path.Combine(RecordingsDir(), name))
        .Where(l => l.Length > 0 && l[0] != '#').Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray();

    private static IEnumerable<int> RandomBits(int seed, int n, double pOne = 0.5)
    {
        var r = new Random(seed);
        for (int i = 0; i < n; i++) yield return r.NextDouble() < pOne ? 1 : 0;
    }

    /// <summary>A two-state Markov chain that keeps its bit with probability <paramref name="pStay"/> (lag-1 correlation 2 pStay - 1).</summary>
    private static IEnumerable<int> MarkovBits(int seed, int n, double pStay)
    {
        var r = new Random(seed);
        int b = 0;
        for (int i = 0; i < n; i++)
        {
            if (r.NextDouble() >= pStay) b ^= 1;
            yield return b;
        }
    }

    /// <summary>Named binary streams: healthy, and the faults a ring-oscillator sampler shows.</summary>
    public static IEnumerable<(string Name, int[] Samples, bool Fault)> BinaryStreams()
    {
        yield return ("healthy", RandomBits(1, 8192).ToArray(), false);
        yield return ("stuck at 0 after 3000", RandomBits(2, 3000).Concat(Enumerable.Repeat(0, 200)).Concat(RandomBits(3, 1000)).ToArray(), true);
        yield return ("stuck at 1 from the start", Enumerable.Repeat(1, 100).ToArray(), true);
        yield return ("biased p(1) = 0.85 after 1000", RandomBits(4, 1000).Concat(RandomBits(5, 6000, 0.85)).ToArray(), true);
        yield return ("correlated, P(keep) = 0.8", MarkovBits(6, 4096, 0.8).ToArray(), true);
        yield return ("periodic 01 (locked to the clock)", Enumerable.Range(0, 2048).Select(i => i & 1).ToArray(), true);
        yield return ("periodic 0011", Enumerable.Range(0, 2048).Select(i => (i >> 1) & 1).ToArray(), false);
    }

    /// <summary>Named 10-bit streams: the recorded MCP3008 channels and faults of an ADC noise source.</summary>
    public static IEnumerable<(string Name, int[] Samples, bool Fault)> AdcStreams()
    {
        int[] noise = Recording("noise-ch1.txt");
        yield return ("recorded noise-ch1.txt", noise, false);
        // the signal channel is no noise source, but it varies enough to pass every test
        yield return ("recorded bars8x8-signal-ch0.txt", Recording("bars8x8-signal-ch0.txt"), false);
        yield return ("stuck at 511 after 2000", noise.Take(2000).Concat(Enumerable.Repeat(511, 50)).Concat(noise.Skip(2000).Take(1000)).ToArray(), true);
        var r = new Random(7);
        yield return ("biased: 40 % of samples 512 after 1500", noise.Take(1500).Concat(noise.Skip(1500).Take(4000).Select(x => r.NextDouble() < 0.4 ? 512 : x)).ToArray(), true);
        int walk = 512;
        yield return ("correlated: a random walk (floating pin)", noise.Take(3000).Select(x => walk = Math.Clamp(walk + (x - 512) / 2, 0, 1023)).ToArray(), true);
        yield return ("periodic sawtooth", Enumerable.Range(0, 3000).Select(i => (i * 37) % 1024).ToArray(), true);
        var u = new Random(8);
        yield return ("uniform full-scale", Enumerable.Range(0, 4096).Select(_ => u.Next(1024)).ToArray(), false);
    }

    public static IEnumerable<(string Name, int[] Samples, bool Fault)> WideStreams()
    {
        var u = new Random(9);
        yield return ("uniform 16-bit", Enumerable.Range(0, 2048).Select(_ => u.Next(65536)).ToArray(), false);
        int v = 0;
        yield return ("16-bit slow ramp", Enumerable.Range(0, 2048).Select(_ => v = (v + 17 + u.Next(5)) & 0xFFFF).ToArray(), true);
    }

    public static TheoryData<string, HdlSimulator> Cases() => new()
    {
        { "binary", HdlSimulator.Icarus }, { "binary", HdlSimulator.Verilator },
        { "adc", HdlSimulator.Icarus }, { "adc", HdlSimulator.Verilator },
        { "wide", HdlSimulator.Icarus },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Verilog_health_tests_match_the_csharp_monitor_event_for_event(string family, HdlSimulator sim)
    {
        HdlTestConfigs.RequireTools(sim == HdlSimulator.Icarus ? "iverilog" : "verilator");
        (HealthTestSpec spec, IEnumerable<(string Name, int[] Samples, bool Fault)> streams) = family switch
        {
            "binary" => (Binary, BinaryStreams()),
            "adc" => (Adc, AdcStreams()),
            _ => (Wide, WideStreams()),
        };
        var verifier = new HealthTestVerifier(HdlTestConfigs.WorkRoot);
        foreach ((string name, int[] samples, bool fault) in streams)
        {
            HealthRun expected = HealthTestVerifier.Expected(samples, spec);
            HealthRun got = verifier.Simulate(samples, spec, sim);
            output.WriteLine($"{family} | {name} | first detection C# {Detection(expected)} | Verilog ({sim}) {Detection(got)} | windows compared {got.Events.Count(e => e.Kind == "WINDOW")}");
            Assert.True(expected.FirstDifference(got) is null, $"{family} '{name}' ({spec}) under {sim}: {expected.FirstDifference(got)}");
            // the stream is what its name says: the faults are caught, the healthy streams pass
            Assert.True(fault == expected.FirstDetection.HasValue, $"{family} '{name}': expected {(fault ? "a detection" : "no failure")}, C# monitor says {string.Join("; ", expected.FailuresOnly)}");
            Assert.True(expected.Events.Count(e => e.Kind == "WINDOW") > 0 || samples.Length < 2 * 512 || fault, $"{family} '{name}': no correlation window compared");
        }
    }

    /// <summary>
    /// The one-bit monitor computes rho from counts (el_health_bit): windows of every density and
    /// lag-1 correlation, from strongly alternating (clamped at -32767) to long runs, checked against
    /// the C# monitor's general formula. H = 1/8 bit (RCT 161, APT 979 of 1024) and no correlation
    /// limit let the skewed windows reach their verdict; the bench clears after each RCT/APT failure.
    /// </summary>
    [Fact]
    public void One_bit_monitor_matches_the_csharp_correlation_over_every_density_and_correlation()
    {
        HdlTestConfigs.RequireTools("iverilog");
        var spec = new HealthTestSpec(1, 1, 32767);
        var r = new Random(11);
        var bits = new List<int>();
        foreach (double pOne in new[] { 0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98 })
            foreach (double rho in new[] { -0.95, -0.5, 0.0, 0.5, 0.9 })
            {
                // rho > 0: keep the bit with probability rho; rho < 0: flip it with probability -rho; else a fresh draw
                int b = 0;
                for (int i = 0; i < 512; i++)
                {
                    double u = r.NextDouble();
                    if (rho < 0 && u < -rho) b ^= 1;
                    else if (rho <= 0 || u >= rho) b = r.NextDouble() < pOne ? 1 : 0;
                    bits.Add(b);
                }
            }
        bits.AddRange(Enumerable.Range(0, 1024).Select(i => i & 1));
        HealthRun expected = HealthTestVerifier.Expected(bits, spec);
        HealthRun got = new HealthTestVerifier(HdlTestConfigs.WorkRoot).Simulate(bits, spec, HdlSimulator.Icarus);
        int[] rhos = expected.Events.Where(e => e.Kind == "WINDOW").Select(e => e.Measure).ToArray();
        output.WriteLine($"{rhos.Length} windows, rho from {rhos.Min()} to {rhos.Max()}, {expected.FailuresOnly.Count()} failures");
        Assert.True(expected.FirstDifference(got) is null, expected.FirstDifference(got));
        // the sweep reaches the clamp, both signs and large positive correlation
        Assert.True(rhos.Length >= 25 && rhos.Min() == -32767 && rhos.Count(x => x < -8192) >= 3 && rhos.Max() > 16384, string.Join(",", rhos));
    }

    private static string Detection(HealthRun r) =>
        r.FailuresOnly.FirstOrDefault() is { } f ? $"{(NoiseHealthStatus)f.Status} at sample {f.N}" : "none";

    [Fact]
    public void The_comparison_can_fail_a_monitor_with_another_cutoff_disagrees()
    {
        HdlTestConfigs.RequireTools("iverilog");
        // the bench built for RCT cutoff 41 against the C# monitor with cutoff 21 (H = 1 bit): the stuck stream must differ
        int[] stuck = RandomBits(2, 3000).Concat(Enumerable.Repeat(0, 200)).ToArray();
        HealthRun got = new HealthTestVerifier(HdlTestConfigs.WorkRoot).Simulate(stuck, Binary, HdlSimulator.Icarus);
        HealthRun other = HealthTestVerifier.Expected(stuck, new HealthTestSpec(1, 8));
        Assert.NotNull(other.FirstDifference(got));
        Assert.Equal(Binary.RepetitionCutoff, got.FailuresOnly.First().Measure);
    }
}
