using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>Synthesis: yosys maps the RTL onto iCE40 cells; the full UP5K place and route is the slow check.</summary>
public sealed class SynthTests
{
    [Fact]
    public void Yosys_maps_every_multiply_to_an_SB_MAC16_and_the_memories_to_block_RAM()
    {
        HdlTestConfigs.RequireTools("yosys");
        HdlProject p = HdlTestConfigs.Project(16, 8, 2, Variant.Signed, memory: DictionaryMemory.Bram);
        var cells = HdlSynthesizer.Ice40Cells(new HdlVerifier(HdlTestConfigs.WorkRoot).Sources(p.Datapath));
        // lanes + noise scale * eta + gain * g: no multiply left in LUTs
        Assert.Equal(p.Datapath.DspEstimate, (int)cells["SB_MAC16"]!);
        Assert.True((int?)cells["SB_RAM40_4K"] > 0);
        Assert.Null(cells["SB_SPRAM256KA"]);
    }

    /// <summary>
    /// The learning design's rounding unit (ACCW &gt; 32: three sliced products) keeps all its
    /// SB_MAC16s through synthesis. yosys 0.23 once packed the hi-slice product and its two
    /// registers into one SB_MAC16 and then resolved its output to a constant (one SB_MAC16 short,
    /// "Driver-driver conflict" warnings) while every RTL simulation passed.
    /// </summary>
    [Fact]
    public void Yosys_keeps_every_multiply_of_a_learning_design_as_an_SB_MAC16()
    {
        HdlTestConfigs.RequireTools("yosys");
        HdlProject p = HdlTestConfigs.FromConfig(LearningTests.SignedSyncConfig(), 22);
        Assert.True(p.Datapath.Accw > 32, $"ACCW {p.Datapath.Accw}: this configuration no longer uses the sliced rounding multiply");
        var cells = HdlSynthesizer.Ice40Cells(new HdlVerifier(HdlTestConfigs.WorkRoot).Sources(p.Datapath));
        Assert.Equal(p.Datapath.DspEstimate, (int)cells["SB_MAC16"]!);
    }

    /// <summary>About four minutes on two cores: yosys, nextpnr-ice40 and a Verilator run.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void K128_D64_with_4_lanes_fits_the_UP5K_and_closes_timing_at_48_MHz()
    {
        HdlTestConfigs.RequireTools("yosys", "nextpnr-ice40");
        HdlProject p = HdlTestConfigs.Project(128, 64, 4, Variant.NonNegative, seed: 7);
        Ice40Result r = HdlSynthesizer.Ice40(new HdlVerifier(HdlTestConfigs.WorkRoot).Sources(p.Datapath), 48);
        Assert.True(r.Fits, r.Error);
        Assert.True(r.FmaxMhz >= 48, $"fmax {r.FmaxMhz} MHz");
        Assert.Equal(4, r.Spram);
        Assert.InRange(r.LogicCells, 1, DatapathModel.Up5kLogicCells);
    }

    /// <summary>
    /// The learning design's logic-cell model against the tools: each row is a measured synthesis
    /// (`hdl generate --config C --seed 7` of a random non-negative model with learning, pi 0.1,
    /// sigma 0.5, 64 data (K = 64: 32), tau_x 20, tau_a 4000, asynchronous switching; the checked yosys
    /// flow (`hdl synth --netlist-only`) of the board top, then nextpnr-ice40 --up5k --pack-only: ICESTORM_LC;
    /// codegen/measure-learning-lc.sh), RTL of hw-20 (session 18). The model is fitted to all ten (largest error 0.9 %;
    /// fitted to the first seven it missed the eighth by 1.35 %, see DatapathModel.EstimateLearningLogicCells);
    /// this fails when the learning hardware's size moves and the model is not refitted (main c2f2093's model is 2.4-2.9 %
    /// high on these rows). The bound is 1 % (it was 2 %,
    /// which the previous fit still met on this RTL although it was 86 cells (1.96 %) low at K16 1 lane B1).
    /// </summary>
    [Theory]
    [InlineData(16, 64, 1, 1, 4269)]
    [InlineData(16, 64, 1, 4, 4466)]
    [InlineData(16, 64, 1, 8, 4757)]
    [InlineData(16, 64, 1, 16, 5294)]
    [InlineData(16, 64, 2, 4, 4987)]
    [InlineData(64, 64, 1, 1, 4869)]
    [InlineData(64, 64, 1, 2, 4952)]
    [InlineData(32, 64, 1, 4, 4743)]
    [InlineData(32, 32, 2, 2, 5028)]
    [InlineData(64, 64, 2, 4, 5636)]
    public void The_logic_cell_model_of_a_learning_design_is_within_1_percent_of_measured_syntheses(int k, int d, int lanes, int chains, int measuredLc)
    {
        int estimate = DatapathModel.EstimateLearningLogicCells(k, lanes, chains);
        Assert.True(Math.Abs(estimate - measuredLc) <= 0.01 * measuredLc, $"K = {k}, D = {d}, {lanes} lanes, {chains} chains: estimate {estimate}, measured {measuredLc}");
    }
}
