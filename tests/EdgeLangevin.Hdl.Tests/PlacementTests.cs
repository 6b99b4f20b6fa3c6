using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// Placement on the UP5K near a full chip (hw-21): nextpnr's failures read for what they are, the control sets
/// (clock, enable, set/reset) counted and named when no seed places a design, and the synthesis flow keeping
/// yosys from giving a few flip-flops an enable or a reset of their own.
/// </summary>
public sealed class PlacementTests
{
    /// <summary>
    /// nextpnr-ice40 0.4's own messages (the format strings in its binary). The learning chip with the entropy source
    /// stopped with the first one; `hdl synth` looked for "Unable to place", "too many" or "exceeds", which it does not
    /// contain, so it said "nextpnr failed" and tried no other seed.
    /// </summary>
    [Theory]
    [InlineData("ERROR: Unable to find legal placement for all cells, design is probably at utilisation limit.\n", HdlSynthesizer.NextpnrFailure.NotPlaced)]
    [InlineData("ERROR: Unable to find legal placement for cell 'u_core.x_SB_LUT4_O_LC', check constraints and utilisation.\n", HdlSynthesizer.NextpnrFailure.NotPlaced)]
    [InlineData("ERROR: failed to place cell 'u_core.x_LC' of type 'ICESTORM_LC' (ripup iteration limit exceeded)\n", HdlSynthesizer.NextpnrFailure.NotPlaced)]
    [InlineData("ERROR: Unable to find a placement location for cell 'u_core.x_LC'\n", HdlSynthesizer.NextpnrFailure.NotPlaced)]
    [InlineData("ERROR: Unable to place cell 'u_core.mem_r', no BELs remaining to implement cell type 'ICESTORM_RAM'\n", HdlSynthesizer.NextpnrFailure.TooLarge)]
    [InlineData("Info: \t         ICESTORM_LC:  5412/ 5280   102%\nInfo: \t        ICESTORM_RAM:    21/   30    70%\nERROR: Unable to find legal placement for all cells, design is probably at utilisation limit.\n", HdlSynthesizer.NextpnrFailure.TooLarge)]
    [InlineData("Info: \t         ICESTORM_LC:  4993/ 5280    94%\nERROR: Failed to route arc 2.0 of net 'u_core.x', from X3/Y4/lutff_1/out to X9/Y9/lutff_0/in_2.\n", HdlSynthesizer.NextpnrFailure.NotRouted)]
    [InlineData("Info: \t         ICESTORM_LC:  4993/ 5280    94%\nERROR: Failed to open JSON file 'top.json'.\n", HdlSynthesizer.NextpnrFailure.Other)]
    public void A_failed_nextpnr_run_is_classified_by_what_nextpnr_said(string log, HdlSynthesizer.NextpnrFailure expected)
    {
        Assert.Equal(expected, HdlSynthesizer.ClassifyFailure(log));
    }

    /// <summary>
    /// 17 flip-flops by hand: 9 plain ones and one whose enable is tied high (no enable, as nextpnr packs it) share a set;
    /// 3 with enable net 5, 2 with reset net 6, 1 with both and 1 on the falling edge are four small sets, three of them
    /// with a flip-flop in u_a and one in u_a.u_b.
    /// </summary>
    internal const string HandNetlist = """
        {"modules": {
          "SB_DFF": {"attributes": {"blackbox": "00000000000000000000000000000001"}, "cells": {}},
          "mini": {"attributes": {"top": "00000000000000000000000000000001"}, "netnames": {}, "cells": {
            "u_a.p0_SB_DFF_Q": {"type": "SB_DFF", "connections": {"C": [2], "D": [10], "Q": [20]}},
            "u_a.p1_SB_DFF_Q": {"type": "SB_DFF", "connections": {"C": [2], "D": [10], "Q": [21]}},
            "u_a.p2_SB_DFF_Q": {"type": "SB_DFF", "connections": {"C": [2], "D": [10], "Q": [22]}},
            "u_a.p3_SB_DFF_Q": {"type": "SB_DFF", "connections": {"C": [2], "D": [10], "Q": [23]}},
            "u_a.p4_SB_DFF_Q": {"type": "SB_DFF", "connections": {"C": [2], "D": [10], "Q": [24]}},
            "u_a.p5_SB_DFF_Q": {"type": "SB_DFF", "connections": {"C": [2], "D": [10], "Q": [25]}},
            "u_a.p6_SB_DFF_Q": {"type": "SB_DFF", "connections": {"C": [2], "D": [10], "Q": [26]}},
            "u_a.p7_SB_DFF_Q": {"type": "SB_DFF", "connections": {"C": [2], "D": [10], "Q": [27]}},
            "u_a.p8_SB_DFF_Q": {"type": "SB_DFF", "connections": {"C": [2], "D": [10], "Q": [28]}},
            "$auto$ff_map.v:1$9": {"type": "SB_DFFE", "connections": {"C": [2], "D": [10], "E": ["1"], "Q": [29]}},
            "u_a.u_b.e0_SB_DFFE_Q": {"type": "SB_DFFE", "connections": {"C": [2], "D": [10], "E": [5], "Q": [30]}},
            "u_a.u_b.e1_SB_DFFE_Q": {"type": "SB_DFFE", "connections": {"C": [2], "D": [10], "E": [5], "Q": [31]}},
            "u_a.u_b.e2_SB_DFFE_Q": {"type": "SB_DFFE", "connections": {"C": [2], "D": [10], "E": [5], "Q": [32]}},
            "u_a.r0_SB_DFFSR_Q": {"type": "SB_DFFSR", "connections": {"C": [2], "D": [10], "R": [6], "Q": [33]}},
            "u_a.r1_SB_DFFSR_Q": {"type": "SB_DFFSR", "connections": {"C": [2], "D": [10], "R": [6], "Q": [34]}},
            "u_a.b0_SB_DFFESR_Q": {"type": "SB_DFFESR", "connections": {"C": [2], "D": [10], "E": [5], "R": [6], "Q": [35]}},
            "u_a.n0_SB_DFFN_Q": {"type": "SB_DFFN", "connections": {"C": [2], "D": [10], "Q": [36]}},
            "u_a.l0_SB_LUT4_O": {"type": "SB_LUT4", "connections": {"I0": [20], "O": [10]}}
          }}}}
        """;

    [Fact]
    public void Control_sets_are_counted_by_clock_edge_enable_and_set_reset()
    {
        ControlSets sets = ControlSets.Count(HandNetlist);
        Assert.Equal(17, sets.FlipFlops);
        Assert.Equal(5, sets.Sets);
        Assert.Equal(4, sets.SmallSets);
        Assert.Equal([new("u_a", 3), new("u_a.u_b", 1)], sets.SmallSetsByInstance);
        Assert.Equal("5 control sets (clock, enable, set/reset) for 17 flip-flops, 4 of them with fewer than 8 flip-flops, most in u_a (3), u_a.u_b (1)", sets.Describe());
    }

    [Fact]
    public void A_netlist_that_is_not_one_flattened_top_is_refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => ControlSets.Count("""{"modules": {"a": {"cells": {}}}}"""));
        Assert.Contains("0 top modules", e.Message, StringComparison.Ordinal);
    }

    /// <summary>When every seed stops in placement, `hdl synth` says so with the cells, the seeds, nextpnr's words and the control sets.</summary>
    [Fact]
    public void A_design_no_seed_places_is_named_with_its_fill_and_its_control_sets()
    {
        const string heap = "Unable to find legal placement for all cells, design is probably at utilisation limit.";
        var seeds = new[] { 1, 2, 3 }.Select(s => new Ice40Result(0, 48, 4993, 6, 21, 1, false, false, heap)
        { NextpnrSeed = s, Failure = HdlSynthesizer.NextpnrFailure.NotPlaced }).ToList();
        string message = HdlSynthesizer.NotPlacedMessage(seeds, ControlSets.Count(HandNetlist));
        Assert.StartsWith("does not place: nextpnr-ice40 packed it into 4993 of 5280 logic cells (94.6 %) but found no legal placement on seeds 1, 2, 3 (" + heap + ")", message, StringComparison.Ordinal);
        Assert.Contains("5 control sets (clock, enable, set/reset) for 17 flip-flops, 4 of them with fewer than 8 flip-flops, most in u_a (3)", message, StringComparison.Ordinal);
        Assert.Contains("codegen/control-sets.py", message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The flow (HdlSynthesizer.Ice40SynthCommands) on a few registers: a one-bit register with an enable of its own and
    /// one with a synchronous reset of its own become plain flip-flops with the choice in front of D; a 16-bit register
    /// keeps its shared enable and another its shared reset (16 flip-flops each, two logic blocks). synth_ice40 alone gives
    /// all four their enable or reset.
    /// </summary>
    [Fact]
    public void The_synthesis_flow_gives_no_register_an_enable_or_reset_that_fewer_than_8_flip_flops_share()
    {
        HdlTestConfigs.RequireTools("yosys");
        const string verilog = """
            module mini(input clk, input e1, input e2, input r1, input r2, input d0, input [15:0] d, output reg a, output reg [15:0] b, output reg c, output reg [15:0] w);
              always @(posedge clk) begin
                if (e1) a <= d0;
                if (e2) b <= d;
                if (r1) c <= 1'b0; else c <= d0;
                if (r2) w <= 16'd0; else w <= d ^ b;
              end
            endmodule
            """;
        string dir = Path.Combine(Path.GetTempPath(), "el-placement-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "mini.v"), verilog);
            ControlSets Synthesise(string synth)
            {
                ToolResult y = ToolRunner.Run("yosys", ["-q", "-p", $"read_verilog mini.v; {synth}"], dir);
                Assert.True(y.Ok, y.Tail());
                return ControlSets.Read(Path.Combine(dir, "mini.json"));
            }
            ControlSets plain = Synthesise("synth_ice40 -top mini -json mini.json");
            Assert.Equal((34, 4, 2), (plain.FlipFlops, plain.Sets, plain.SmallSets));   // e1 (a), e2 (b), r1 (c), r2 (w): a and c alone
            ControlSets flow = Synthesise(HdlSynthesizer.Ice40SynthCommands("-json mini.json", top: "mini"));
            Assert.Equal((34, 3, 1), (flow.FlipFlops, flow.Sets, flow.SmallSets));      // none (a and c), e2 (b), r2 (w)
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
