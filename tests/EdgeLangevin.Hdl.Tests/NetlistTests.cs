using EdgeLangevin.Cli;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// Is the synthesised chip the simulated one? yosys's log checked for the warnings after which the
/// netlist is not the RTL (<see cref="YosysLogCheck"/>), and the board top's gate-level netlist run
/// against the C# core (<see cref="NetlistBoard"/>, 'hdl run --port sim --netlist').
/// </summary>
public sealed class NetlistTests
{
    /// <summary>
    /// Last round's miscompile in seven lines (the hi slice of el_mac's rounding multiply before
    /// 16fbbcd): a signed product registered twice. yosys 0.23 packs q2 and q2b into one SB_MAC16's
    /// pipeline registers, leaves q2b's flip-flop on the same net and resolves it to a constant; a
    /// gate-level simulation of it disagreed with its RTL on 193 of 194 cycles.
    /// </summary>
    private const string MiscompiledMultiply = """
        module mini(input clk, input [38:0] acc, input signed [15:0] rate, output reg signed [38:0] y);
          reg signed [38:0] acc_r; reg signed [15:0] rate_r;
          always @(posedge clk) begin acc_r <= acc; rate_r <= rate; end
          reg signed [22:0] q2, q2b;
          always @(posedge clk) begin q2 <= $signed(acc_r[38:32]) * rate_r; q2b <= q2; end
          always @(posedge clk) y <= (q2b <<< 16) + acc_r;
        endmodule
        """;

    /// <summary>The fix (16fbbcd): the operands wait a stage and the product is registered once; same function.</summary>
    private const string FixedMultiply = """
        module mini(input clk, input [38:0] acc, input signed [15:0] rate, output reg signed [38:0] y);
          reg signed [38:0] acc_r; reg signed [15:0] rate_r;
          always @(posedge clk) begin acc_r <= acc; rate_r <= rate; end
          reg signed [6:0] h2; reg signed [15:0] r2; reg signed [22:0] q2b;
          always @(posedge clk) begin h2 <= $signed(acc_r[38:32]); r2 <= rate_r; q2b <= h2 * r2; end
          always @(posedge clk) y <= (q2b <<< 16) + acc_r;
        endmodule
        """;

    /// <summary>
    /// Issue 11's miscompile, el_core's noise product in a few lines: a constant times a signed 16-bit
    /// operand into a 32-bit register. yosys 0.23 narrows the multiply to 28 bits, ice40_dsp packs the
    /// register into the SB_MAC16 and deletes it whole, so p[31:28] (the sign's copies) lose their
    /// driver; synth_ice40 alone says nothing and the netlist reads x there (a gate-level simulation
    /// of it disagreed with its RTL on 2995 of 2995 cycles under Icarus, 1302 under Verilator). The
    /// submodule matters: flattened, yosys narrows the multiply before it would narrow the register.
    /// </summary>
    private const string DroppedSignBits = """
        module core(input clk, input signed [15:0] eta, output reg signed [21:0] nz);
          reg signed [15:0] eta_r; reg signed [31:0] p;
          wire [32:0] sum = {p[31], p} + 33'd1024;
          always @(posedge clk) begin eta_r <= eta; p <= 16'sh0453 * eta_r; nz <= sum[32:11]; end
        endmodule
        module mini(input clk, input signed [15:0] eta, output wire signed [21:0] nz);
          core u_core (.clk(clk), .eta(eta), .nz(nz));
        endmodule
        """;

    /// <summary>The fix (el_kmul): the register holds the product's 28 bits, the sign extension is wired after it.</summary>
    private static readonly string NaturalWidthProduct = DroppedSignBits
        .Replace("reg signed [31:0] p;", "reg signed [27:0] p_r; wire signed [31:0] p = {{4{p_r[27]}}, p_r};", StringComparison.Ordinal)
        .Replace("p <= 16'sh0453", "p_r <= 16'sh0453", StringComparison.Ordinal);

    /// <summary>Runs yosys (<paramref name="synth"/>, default synth_ice40 -dsp) on <paramref name="verilog"/> and returns the path of its log.</summary>
    private static string SynthesiseLog(string verilog, string dir, string synth = "synth_ice40 -dsp -top mini")
    {
        File.WriteAllText(Path.Combine(dir, "mini.v"), verilog);
        string log = Path.Combine(dir, "yosys.log");
        ToolResult y = ToolRunner.Run("yosys", ["-q", "-l", log, "-p", "read_verilog mini.v; " + synth], dir);
        Assert.True(y.Ok, y.Tail());
        return log;
    }

    [Fact]
    public void The_check_after_the_dsp_packing_refuses_a_product_register_whose_sign_bits_yosys_dropped()
    {
        HdlTestConfigs.RequireTools("yosys");
        string dir = Path.Combine(Path.GetTempPath(), "el-netlist-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string flow = HdlSynthesizer.Ice40SynthCommands(top: "mini");
            // synth_ice40 on its own says nothing: why the flow runs check after the coarse stage
            Assert.Empty(YosysLogCheck.Find(File.ReadAllText(SynthesiseLog(DroppedSignBits, dir))));

            string bad = SynthesiseLog(DroppedSignBits, dir, flow);
            NetlistWarning w = Assert.Single(YosysLogCheck.Find(File.ReadAllText(bad)));
            Assert.Equal(new NetlistWarning("used but has no driver", "mini.u_core.p", 4), w);
            var e = Assert.Throws<InvalidInputException>(() => YosysLogCheck.Require(bad));
            Assert.Contains("mini.u_core.p (4 bits)", e.Message, StringComparison.Ordinal);

            string good = SynthesiseLog(NaturalWidthProduct, dir, flow);
            Assert.Empty(YosysLogCheck.Find(File.ReadAllText(good)));
            Assert.Contains(" ffFJKG:", File.ReadAllText(good), StringComparison.Ordinal);   // ice40_dsp still packs the register
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_log_check_refuses_yosys_s_miscompiled_multiply_naming_the_signal_and_passes_the_fixed_one()
    {
        HdlTestConfigs.RequireTools("yosys");
        string dir = Path.Combine(Path.GetTempPath(), "el-netlist-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string bad = SynthesiseLog(MiscompiledMultiply, dir);
            NetlistWarning w = Assert.Single(YosysLogCheck.Find(File.ReadAllText(bad)));
            Assert.Equal("Driver-driver conflict", w.Class);
            Assert.Equal("q2b", w.Signal);
            Assert.Equal(23, w.Bits);   // every bit of q2b: the whole register became a constant
            var e = Assert.Throws<InvalidInputException>(() => YosysLogCheck.Require(bad));
            Assert.Contains("q2b (23 bits)", e.Message, StringComparison.Ordinal);
            Assert.Contains("the synthesised chip would differ from the simulated one", e.Message, StringComparison.Ordinal);

            string good = SynthesiseLog(FixedMultiply, dir);
            Assert.Empty(YosysLogCheck.Find(File.ReadAllText(good)));
            YosysLogCheck.Require(good);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Each_warning_class_that_means_the_netlist_is_not_the_RTL_is_found_and_others_are_not()
    {
        // message formats of yosys 0.23 (opt_clean, check, the Verilog frontend, proc_dff)
        const string log = """
            Warning: Replacing memory \q_r with list of registers. See rtl/el_noise.v:187
            Warning: Driver-driver conflict for \u_core.u_mac.q2b [3] between cell $mul$x.v:9$4.O and constant 1'x in el_top: Resolved using constant.
            Warning: Driver-driver conflict for \u_core.u_mac.q2b [2] between cell $mul$x.v:9$4.O and constant 1'x in el_top: Resolved using constant.
            Warning: Initial value conflict for \por_r [7] resolving to 1'1 but with init 1'0.
            Warning: multiple conflicting drivers for el_top.\u_uart.tx_r [0]:
                port Q[0] of cell $auto$ff.cc:266:slice$1 ($dff)
                port Q[0] of cell $auto$ff.cc:266:slice$2 ($dff)
            Warning: Wire el_top.\u_core.nz_r [5] is used but has no driver.
            Warning: found logic loop in module el_top:
                cell $abc$1$auto$blifparse.cc:525:parse_blif$2 (SB_LUT4)
                wire \u_core.busy
            rtl/el_mac.v:12: Warning: Range select [9:8] out of bounds on signal `\acc_r': Setting all 2 result bits to undef.
            Warning: Async reset value `\cnt_r' is not constant!
            Warning: Complex async reset for dff `\state_r'.
            Warning: Literal has a width of 8 bit, but value requires 9 bit. (rtl/el_core.v:3)
            Warning: Resizing cell port el_top.u_uart.i_byte from 9 bits to 8 bits.
            """;
        var found = YosysLogCheck.Find(log.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal(
            [
                new NetlistWarning("Driver-driver conflict", "u_core.u_mac.q2b", 2),
                new NetlistWarning("Initial value conflict", "por_r", 1),
                new NetlistWarning("multiple conflicting drivers", "el_top.u_uart.tx_r", 1),
                new NetlistWarning("used but has no driver", "el_top.u_core.nz_r", 1),
                new NetlistWarning("found logic loop", "u_core.busy", 1),
                new NetlistWarning("Range select out of bounds", "acc_r", 1),
                new NetlistWarning("Async reset value is not constant", "cnt_r", 1),
                new NetlistWarning("Complex async reset", "state_r", 1),
            ], found);
    }

    [Fact]
    public void An_SB_MAC16_whose_adder_reads_an_undefined_constant_is_refused_naming_the_cell()
    {
        // yosys write_json's shape; the first cell is what yosys 0.23 made of el_mac's t = {16'd0, q0[31:16]} + q1
        // (main 64963eb, 1-lane bars learning): D, the adder's upper input, tied to 16'b0xxxxxxxxxxxxxxx
        static string Cell(string upper, string d) => $$$"""
            {"type": "SB_MAC16", "parameters": {"BOTADDSUB_UPPERINPUT": "{{{upper}}}", "TOPADDSUB_UPPERINPUT": "0"},
             "connections": {"C": ["0","0"], "D": [{{{d}}}]}}
            """;
        string x15 = string.Join(",", Enumerable.Repeat("\"x\"", 15)) + ",\"0\"";
        string json = $$$"""
            {"modules": {"el_top_icebreaker": {"cells": {
              "\\u_core.u_mac.g_rmul_sliced.t_SB_MAC16_O": {{{Cell("1", x15)}}},
              "$auto$lane": {{{Cell("0", x15)}}},
              "$auto$ok": {{{Cell("1", "12, 13, \"0\"")}}}
            } } } }
            """;
        string path = Path.Combine(Path.GetTempPath(), $"el-netlist-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            NetlistWarning w = Assert.Single(YosysLogCheck.FindUndefinedDspAddends(path));
            Assert.Equal("u_core.u_mac.g_rmul_sliced.t_SB_MAC16_O", w.Signal);
            Assert.Equal(15, w.Bits);
            Assert.StartsWith("SB_MAC16 adder input D", w.Class, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string WriteConfig(string json)
    {
        string cfg = Path.Combine(Path.GetTempPath(), $"el-netlist-{Guid.NewGuid():N}.json");
        File.WriteAllText(cfg, json);
        return cfg;
    }

    /// <summary>
    /// The whole board top, synthesised by yosys for the UP5K and simulated gate by gate, loads a
    /// dictionary, a datum, a state and a seed over its UART, runs 40 steps and answers with the
    /// C# core's codes and states. Small (K = 16, D = 8, 1 lane) so that the Verilator build of the
    /// netlist stays around a minute or two. Before el_kmul it answered code 24111150 for the core's 0
    /// at unit 0 (yosys had dropped the noise product's sign bits, issue 11).
    /// </summary>
    [Fact]
    public void The_synthesised_netlist_of_a_small_board_answers_over_its_UART_with_the_cores_codes_and_states()
    {
        HdlTestConfigs.RequireTools("yosys", "verilator");
        string cfg = WriteConfig("""{"hdl": {"lanes": 1}, "vectors": {"problem": "random", "variant": "signed", "k": 16, "d": 8, "pi": 0.3, "sigma": 0.5}}""");
        try
        {
            var (code, output, err) = Run("hdl", "run", "--port", "sim", "--netlist", "--config", cfg, "--steps", "40", "--seed", "21", "--work", HdlTestConfigs.WorkRoot);
            Assert.True(code == 0, output + err);
            Assert.Matches(@"netlist: after 40 steps all 16 codes and states equal the C# core's \([1-9][0-9]* active units\)", output);
        }
        finally
        {
            File.Delete(cfg);
        }
    }

    /// <summary>
    /// The board top with the entropy source in seeded mode at gate level: yosys keeps the ring
    /// oscillators as el_ro black boxes (a zero-delay simulation cannot run a loop of LUTs) and the
    /// simulation fills them with the RTL runs' behavioural rings, so the sampling, conditioner,
    /// health tests and el_entropy_ctl are gates. The host sends no 'S' in seeded mode (issue-11l; before, its
    /// 'S' won): the netlist seeds its generator from its entropy pool, 'G' says so, and the codes and states
    /// equal the C# core's from that seed; the 'G' and 'H' replies (seed; status, raw bits tested, failures,
    /// fault records, lag-1) equal the RTL board's on the same host bytes: the rings are deterministic models,
    /// so any difference is the netlist's. Before, --netlist refused every design with the source.
    /// </summary>
    [Fact]
    public void The_synthesised_netlist_with_the_entropy_source_in_seeded_mode_answers_as_its_RTL_and_the_core()
    {
        HdlTestConfigs.RequireTools("yosys", "verilator", "iverilog");
        string cfg = WriteConfig("""{"hdl": {"lanes": 1, "entropy": {"enabled": true, "noise_mode": "seeded"}}, "vectors": {"problem": "random", "variant": "signed", "k": 16, "d": 8, "pi": 0.3, "sigma": 0.5}}""");
        string rtlJson = cfg + ".rtl.json", netJson = cfg + ".net.json";
        try
        {
            string[] common = ["hdl", "run", "--port", "sim", "--config", cfg, "--steps", "10", "--seed", "21", "--work", HdlTestConfigs.WorkRoot];
            var (code, output, err) = Run([.. common, "--netlist", "--json", netJson]);
            Assert.True(code == 0, output + err);
            var (rtlCode, rtlOutput, rtlErr) = Run([.. common, "--json", rtlJson]);
            Assert.True(rtlCode == 0, rtlOutput + rtlErr);
            var net = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(netJson))!;
            var rtl = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(rtlJson))!;
            Assert.Equal(true, (bool?)net["matches_core"]);
            Assert.True((long)net["entropy_health"]!["raw_bits_tested"]! > 0, net.ToJsonString());
            Assert.Equal(rtl["entropy_health"]!.ToJsonString(), net["entropy_health"]!.ToJsonString());
            Assert.True((bool)net["run_seed"]!["from_pool"]!, net.ToJsonString());
            Assert.Equal(rtl["run_seed"]!.ToJsonString(), net["run_seed"]!.ToJsonString());
        }
        finally
        {
            foreach (string f in new[] { cfg, rtlJson, netJson }) File.Delete(f);
        }
    }

    [Theory]
    [InlineData("""{"hdl": {"lanes": 1}, "vectors": {"k": 16, "d": 8}}""", "/dev/ttyUSB1", "--netlist")]
    [InlineData("""{"hdl": {"lanes": 1, "entropy": {"enabled": true, "noise_mode": "physical", "sample_div": 2, "cond_raw": 2, "entropy_eighths": 8}}, "vectors": {"k": 16, "d": 8}}""", "sim", "hdl.entropy.noise_mode")]
    public void Netlist_where_it_cannot_run_exits_2_naming_the_option(string json, string port, string named)
    {
        string cfg = WriteConfig(json);
        try
        {
            var (code, _, err) = Run("hdl", "run", "--port", port, "--netlist", "--config", cfg, "--steps", "2", "--work", HdlTestConfigs.WorkRoot);
            Assert.Equal(2, code);
            Assert.Contains(named, err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(cfg);
        }
    }
}
