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
}
