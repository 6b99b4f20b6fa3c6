using System.Globalization;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// Learning in the generated RTL against FixedLearner (the gold model, through the learning
/// test vectors of FIXED_POINT.md): every chain's noise, u and s words, u0, the learner stream's
/// state after every step, every dictionary write in order and the whole dictionary at the
/// checkpoints, under Icarus Verilog and Verilator; and the configurations the hardware refuses.
/// The runs are short enough for CI; the 2000-step runs are `hdl verify` commands (codegen/README.md).
/// </summary>
public sealed class LearningTests
{
    // dt = 1, tau_u = 10: eps = 0.1; fast learning so that hundreds of entries move per step
    private const string Inference = "\"inference\": {\"dt\": 1, \"tau_u\": 10, \"temperature\": 1}";

    /// <summary>Bars (K = 16, D = 64) from a random dictionary, B = 4 chains, asynchronous switching, u0 learned: the bars configuration.</summary>
    public static string BarsConfig(int lanes = 2, int dataCount = 64, string switching = "asynchronous", int batch = 4) =>
        "{" + Inference + ", " +
        "\"vectors\": {\"problem\": \"bars\", \"variant\": \"non_negative\", \"k\": 16, \"d\": 64, \"data_count\": " + dataCount.ToString(CultureInfo.InvariantCulture) + ", \"checkpoint_every\": 25}, " +
        "\"learning\": {\"batch\": " + batch.ToString(CultureInfo.InvariantCulture) + ", \"tau_x\": 20, \"tau_a\": 2000, \"switching\": \"" + switching + "\", \"learn_pi\": true, \"tau_u0\": 1e5}, " +
        "\"hdl\": {\"lanes\": " + lanes.ToString(CultureInfo.InvariantCulture) + "}}";

    /// <summary>A signed random model, 3 chains (not a power of two), one lane, synchronous switching.</summary>
    internal static string SignedSyncConfig() =>
        "{" + Inference + ", " +
        "\"vectors\": {\"problem\": \"random\", \"variant\": \"signed\", \"k\": 12, \"d\": 8, \"pi\": 0.3, \"sigma\": 0.5, \"data_count\": 5, \"checkpoint_every\": 40}, " +
        "\"learning\": {\"batch\": 3, \"tau_x\": 7, \"tau_a\": 300, \"switching\": \"synchronous\", \"learn_pi\": true, \"tau_u0\": 2000}, " +
        "\"hdl\": {\"lanes\": 1}}";

    [Theory]
    [InlineData(HdlSimulator.Icarus)]
    [InlineData(HdlSimulator.Verilator)]
    public void Bars_learning_with_4_chains_and_asynchronous_switching_matches_the_learner_on_every_word(HdlSimulator sim)
    {
        HdlProject p = HdlTestConfigs.FromConfig(BarsConfig(), 21);
        int steps = sim == HdlSimulator.Verilator ? 400 : 100;
        SimulationResult r = HdlTestConfigs.Simulate(p, sim, steps, 21, out string vectors);
        Assert.True(r.Passed, r.Summary());
        // the run must actually learn: dictionary writes and a moving threshold
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(vectors, "manifest.json")))!;
        Assert.True(manifest["learning"]!["dictionary_writes"]!.GetValue<int>() > 1000);
        Assert.NotEqual(p.Parameters.Step.U0, manifest["learning"]!["checkpoints"]![0]!["u0_q"]!.GetValue<int>());
        // the phase split: a MAC bound is a lower bound, so each phase takes at least its bound, and phase L
        // (B chains' sums over every row for each unit active in some chain) does MAC work every step here
        long lc = r.LearnCycles!.Value, lb = r.LearnBound!.Value;
        Assert.True(lb > 0 && lc >= lb, $"phase L: {lc} cycles vs bound {lb}");
        Assert.True(r.Cycles - lc >= r.MacBound - lb && r.MacBound - lb > 0, $"inference: {r.Cycles - lc} cycles vs bound {r.MacBound - lb}");
        // the inference phase's cycle account (clocks per el_core state and el_mac phase): the MAC's phases B
        // and C take exactly ROWS n cycles each per chain step, the testbench's bound summed from n at each
        // MAC start; and the account adds up to the inference clocks that the step loop counts apart (which
        // also count the clock on which the run starts, el_core still idle)
        var account = r.CycleAccount!;
        Assert.Equal(r.MacBound - lb, account.Single(kv => kv.Key == "mac_products").Value);
        Assert.InRange(r.Cycles - lc - account.Sum(kv => kv.Value), 0, 2);
        // the threshold passes after u0 moved run in the unit pipeline's free slots (el_core's prep engine):
        // only chain 0's pass (K units and the pipeline's 11 stages plus its hand-over) can hold a step up,
        // besides the run's first passes over every chain. Passes back to back (B K clocks a step, the
        // design before) would exceed this.
        const int K = 16, B = 4, PassClocks = K + 16;
        Assert.InRange(account.Single(kv => kv.Key == "threshold_passes").Value, 1, (long)(steps + B) * PassClocks);
    }

    [Theory]
    [InlineData(HdlSimulator.Icarus)]
    [InlineData(HdlSimulator.Verilator)]
    public void Signed_learning_with_3_chains_one_lane_and_synchronous_switching_matches_the_learner(HdlSimulator sim)
    {
        HdlProject p = HdlTestConfigs.FromConfig(SignedSyncConfig(), 22);
        Assert.Equal(3, p.Datapath.Chains);
        SimulationResult r = HdlTestConfigs.Simulate(p, sim, 300, 22, out _);
        Assert.True(r.Passed, r.Summary());
    }

    /// <summary>
    /// Small K (issue 11, K = 4): a chain with no active unit skips phases B and C, so its residual rows
    /// are not written in that step (before its first write they are undefined, X under Icarus); phase L
    /// multiplies them by that chain's codes s_m = 0. The product must be 0 (under Icarus too), not X,
    /// which made the learner stream skip its draws and u0 and the codes miss by one LSB.
    /// </summary>
    [Theory]
    [InlineData("signed", 4)]
    [InlineData("non_negative", 2)]
    public void A_chain_with_no_active_unit_contributes_nothing_to_phase_L_under_Icarus(string variant, int k)
    {
        string json = "{" + Inference + ", " +
            "\"vectors\": {\"problem\": \"random\", \"variant\": \"" + variant + "\", \"k\": " + k.ToString(CultureInfo.InvariantCulture) +
            ", \"d\": 8, \"pi\": 0.3, \"sigma\": 0.5, \"data_count\": 5, \"checkpoint_every\": 10}, " +
            "\"learning\": {\"batch\": 3, \"tau_x\": 7, \"tau_a\": 300, \"switching\": \"asynchronous\", \"learn_pi\": true, \"tau_u0\": 2000}, " +
            "\"hdl\": {\"lanes\": 1}}";
        const int Steps = 20;
        HdlProject p = HdlTestConfigs.FromConfig(json, 22);
        SimulationResult r = HdlTestConfigs.Simulate(p, HdlSimulator.Icarus, Steps, 22, out string vectors);
        // the case must occur: some chain ends a step (other than the last) with every code 0
        // (s.hex: every step's B * K codes, chain-major), so the next step skips its phase B
        string[] s = File.ReadAllLines(Path.Combine(vectors, "s.hex"));
        bool emptyChain = false;
        for (int t = 0; t < Steps - 1; t++)
            for (int b = 0; b < 3; b++)
                emptyChain |= Enumerable.Range(0, k).All(i => Convert.ToInt32(s[(t * 3 + b) * k + i], 16) == 0);
        Assert.True(emptyChain, "no chain without an active unit in this run");
        Assert.True(r.Passed, r.Summary());
    }

    [Fact]
    public void An_image_sized_model_K64_D64_learns_bit_exactly_under_Verilator()
    {
        string json = "{" + Inference + ", " +
            "\"vectors\": {\"problem\": \"random\", \"variant\": \"non_negative\", \"k\": 64, \"d\": 64, \"pi\": 0.1, \"sigma\": 0.5, \"data_count\": 32, \"checkpoint_every\": 50}, " +
            "\"learning\": {\"batch\": 2, \"tau_x\": 20, \"tau_a\": 4000, \"switching\": \"asynchronous\", \"learn_pi\": true, \"tau_u0\": 1e5}, " +
            "\"hdl\": {\"lanes\": 2}}";   // 4 lanes + 2 + 3 for the rounding unit would need 9 of the UP5K's 8 DSPs
        HdlProject p = HdlTestConfigs.FromConfig(json, 23);
        SimulationResult r = HdlTestConfigs.Simulate(p, HdlSimulator.Verilator, 150, 23, out _);
        Assert.True(r.Passed, r.Summary());
    }

    [Fact]
    public void A_changed_dictionary_write_is_reported_at_its_step_with_its_d_and_k()
    {
        HdlProject p = HdlTestConfigs.FromConfig(BarsConfig(), 21);
        SimulationResult clean = HdlTestConfigs.Simulate(p, HdlSimulator.Icarus, 100, 21, out string vectors);
        Assert.True(clean.Passed, clean.Summary());
        string bad = HdlTestConfigs.CopyVectors(vectors);
        try
        {
            string[] lines = File.ReadAllLines(Path.Combine(bad, "dictionary_writes.hex"));
            int index = lines.Length / 2;
            // record: step (79..48), k (47..32), d (31..16), value (15..0); flip the value's low bit
            string rec = lines[index];
            int step = Convert.ToInt32(rec[..8], 16), k = Convert.ToInt32(rec[8..12], 16), d = Convert.ToInt32(rec[12..16], 16);
            int value = Convert.ToInt32(rec[16..], 16) ^ 1;
            HdlTestConfigs.RewriteLine(bad, "dictionary_writes.hex", index, rec[..16] + value.ToString("x4", CultureInfo.InvariantCulture));

            var verifier = new HdlVerifier(HdlTestConfigs.WorkRoot);
            string src = verifier.Sources(p.Datapath);
            var (n, seed) = HdlVerifier.CheckVectors(p.Datapath, bad);
            SimulationResult r = verifier.Simulate(src, HdlSimulator.Icarus, bad, n, seed, wavesPath: Path.Combine(bad, "waves.vcd"));
            Assert.False(r.Passed, "the testbench did not notice the changed dictionary word");
            Assert.Equal("dict", r.FirstMismatch!.Word);
            Assert.Equal(step, r.FirstMismatch.Step);
            Assert.Equal((d, k), r.FirstMismatch.Dk);
            // --waves: a VCD around the mismatch
            Assert.NotNull(r.Waves);
            Assert.Contains("$enddefinitions", File.ReadAllText(r.Waves!));
        }
        finally
        {
            Directory.Delete(bad, recursive: true);
        }
    }

    [Fact]
    public void Learning_vectors_for_other_rates_are_refused_before_any_simulation()
    {
        HdlProject p = HdlTestConfigs.FromConfig(BarsConfig(), 21);
        HdlTestConfigs.Simulate(p, HdlSimulator.Icarus, 100, 21, out string vectors);
        HdlProject other = HdlTestConfigs.FromConfig(BarsConfig().Replace("\"tau_a\": 2000", "\"tau_a\": 3000", StringComparison.Ordinal), 21);
        var e = Assert.Throws<InvalidInputException>(() => HdlVerifier.CheckVectors(other.Datapath, vectors));
        Assert.Contains("learning.rate_a", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BadConfigs() => new()
    {
        // name, config text, the field the error must name
        { "normalisation", BarsConfig().Replace("\"learn_pi\": true", "\"learn_pi\": true, \"normalise\": true", StringComparison.Ordinal), "learning.normalise" },
        { "second order", BarsConfig().Replace("\"temperature\": 1}", "\"temperature\": 1, \"order\": 2}", StringComparison.Ordinal), "order" },
        { "data set larger than the UP5K's memory", BarsConfig(lanes: 2, dataCount: 2048), "vectors.data_count" },
        // 4 lanes + noise and gain + 3 slices of the rounding unit's multiply: 9 SB_MAC16, the UP5K has 8
        { "more lanes than the DSPs allow beside the rounding unit", BarsConfig(lanes: 4), "hdl.lanes" },
        { "... and the error names the lane count that fits", BarsConfig(lanes: 4), "use 2 lanes" },
        { "dictionary rate that rounds to zero", BarsConfig().Replace("\"tau_a\": 2000", "\"tau_a\": 1e30", StringComparison.Ordinal), "tau_a" },
        { "more chains than the hardware multiplexes", BarsConfig().Replace("\"batch\": 4", "\"batch\": 65", StringComparison.Ordinal), "learning.batch" },
        // 48 chains' u, codes and active lists need ~49 block RAMs: the chain count is the setting to change
        { "more chains than the block RAMs hold", BarsConfig().Replace("\"batch\": 4", "\"batch\": 48", StringComparison.Ordinal), "learning.batch" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void A_configuration_the_hardware_cannot_learn_with_is_a_clear_error_naming_the_setting(string name, string json, string field)
    {
        var e = Assert.Throws<InvalidInputException>(() => HdlTestConfigs.FromConfig(json, 1));
        Assert.True(e.Message.Contains(field, StringComparison.Ordinal), $"{name}: '{e.Message}' does not name {field}");
    }

    [Fact]
    public void The_MAC_accumulator_holds_a_sum_over_the_chains_of_learning_products()
    {
        HdlProject p = HdlTestConfigs.FromConfig(BarsConfig(), 21);
        var f = p.Parameters.Format;
        // |s_m r_m| <= 2^(2 WM - 2), B of them, signed
        Assert.True(p.Datapath.Accw >= 2 * f.MacBits - 1 + 2 + 1);
        Assert.Equal(4, p.Datapath.TSlot);
    }
}
