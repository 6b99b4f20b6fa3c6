using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// The generated RTL against the C# core (the gold model), bit for bit: every noise word, every
/// state word u_k and every code s_k after every step, under Icarus Verilog and Verilator.
/// Each configuration is compiled once per simulator and shared (see HdlTestConfigs.WorkRoot).
/// </summary>
public sealed class BitExactTests
{
    public static TheoryData<string, int, int, int, Variant, int, int> Configurations() => new()
    {
        // name, K, D, lanes, variant, steps, seed
        { "K16 D8, 2 lanes, signed", 16, 8, 2, Variant.Signed, 2000, 11 },
        { "K32 D16, 4 lanes, non-negative", 32, 16, 4, Variant.NonNegative, 2000, 12 },
        { "K12 D6, 1 lane, signed (K not a power of two)", 12, 6, 1, Variant.Signed, 2000, 13 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Icarus_matches_the_core_on_every_word_of_every_step(string name, int k, int d, int lanes, Variant variant, int steps, int seed)
    {
        SimulationResult r = HdlTestConfigs.Simulate(HdlTestConfigs.Project(k, d, lanes, variant, seed: seed), HdlSimulator.Icarus, steps, seed, out _);
        Assert.True(r.Passed, $"{name}: {r.Summary()}");
        Assert.Equal(steps, r.Steps);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Verilator_matches_the_core_on_every_word_of_every_step(string name, int k, int d, int lanes, Variant variant, int steps, int seed)
    {
        SimulationResult r = HdlTestConfigs.Simulate(HdlTestConfigs.Project(k, d, lanes, variant, seed: seed), HdlSimulator.Verilator, steps, seed, out _);
        Assert.True(r.Passed, $"{name}: {r.Summary()}");
        Assert.Equal(steps, r.Steps);
    }

    [Fact]
    public void The_UP5K_target_K128_D64_with_4_lanes_matches_the_core_and_stays_within_10_percent_of_the_MAC_bound()
    {
        HdlProject p = HdlTestConfigs.Project(128, 64, 4, Variant.NonNegative, seed: 7);
        Assert.Equal(DictionaryMemory.Spram, p.Datapath.DictionaryMemory);
        SimulationResult r = HdlTestConfigs.Simulate(p, HdlSimulator.Verilator, 1000, 7, out _);
        Assert.True(r.Passed, r.Summary());
        // The bound is 2 * (D / lanes) * (active units) cycles per step; the design overlaps the
        // per-unit work with the products, so only pipeline latency should remain on top.
        Assert.True(r.SteadyMacBoundPerStep > 128, $"too few active units to be MAC-bound: {r.Summary()}");
        Assert.InRange(r.OverheadFraction, 0.0, 0.10);
    }

    [Fact]
    public void At_zero_temperature_the_RTL_follows_the_deterministic_descent_too()
    {
        // T = 0 gives noise_q = 0: the noise words are still drawn (and checked) but add nothing.
        HdlProject p = HdlTestConfigs.Project(16, 8, 2, Variant.NonNegative, seed: 5, temperature: 0.0);
        SimulationResult r = HdlTestConfigs.Simulate(p, HdlSimulator.Icarus, 1000, 5, out _);
        Assert.True(r.Passed, r.Summary());
    }

    [Theory]
    [InlineData("u.hex", 234, 5, "u")]
    [InlineData("s.hex", 500, 3, "s")]
    [InlineData("noise.hex", 77, 9, "eta")]
    public void A_corrupted_vector_word_fails_at_exactly_that_step_unit_and_word(string file, int step, int unit, string word)
    {
        HdlProject p = HdlTestConfigs.Project(16, 8, 2, Variant.Signed, seed: 11);
        // First make sure the clean vectors pass (the corruption must be what fails).
        SimulationResult clean = HdlTestConfigs.Simulate(p, HdlSimulator.Icarus, 2000, 11, out string vectors);
        Assert.True(clean.Passed, clean.Summary());

        string bad = HdlTestConfigs.CopyVectors(vectors);
        try
        {
            string[] lines = File.ReadAllLines(Path.Combine(bad, file));
            int index = step * p.Datapath.K + unit;
            // s words of inactive units are 0, so flip a bit rather than add: any change must be caught
            long value = Convert.ToInt64(lines[index], 16) ^ 1;
            // resealed past the checksum check: the testbench must catch it
            HdlTestConfigs.RewriteLine(bad, file, index,
                value.ToString("x" + lines[index].Length.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture));

            var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
            string src = verifier.Sources(p.Datapath);
            var (n, seed) = HdlVerifier.CheckVectors(p.Datapath, bad);
            foreach (HdlSimulator sim in new[] { HdlSimulator.Icarus, HdlSimulator.Verilator })
            {
                SimulationResult r = verifier.Simulate(src, sim, bad, n, seed);
                Assert.False(r.Passed, $"{sim} did not notice the corrupted word");
                Assert.NotNull(r.FirstMismatch);
                Assert.Equal((step, unit, word), (r.FirstMismatch!.Step, r.FirstMismatch.Unit, r.FirstMismatch.Word));
            }
        }
        finally
        {
            Directory.Delete(bad, recursive: true);
        }
    }
}
