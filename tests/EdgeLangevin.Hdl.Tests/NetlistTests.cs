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

    /// <summary>Runs yosys synth_ice40 -dsp on <paramref name="verilog"/> and returns the path of its log.</summary>
    private static string SynthesiseLog(string verilog, string dir)
    {
        File.WriteAllText(Path.Combine(dir, "mini.v"), verilog);
        string log = Path.Combine(dir, "yosys.log");
        ToolResult y = ToolRunner.Run("yosys", ["-q", "-l", log, "-p", "read_verilog mini.v; synth_ice40 -dsp -top mini"], dir);
        Assert.True(y.Ok, y.Tail());
        return log;
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
    /// netlist stays around a minute or two.
    /// </summary>
    [Fact(Skip = "the gate-level run of this inference board does not match the C# core yet (netlist: code 24111150 vs core 0 after 40 steps); the same netlist synthesised without -dsp matches, so the SB_MAC16 mapping or its cell model under Verilator is at fault, not known which: codegen/README.md 'Is the synthesised chip the simulated one?', issue 11")]
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

    [Theory]
    [InlineData("""{"hdl": {"lanes": 1}, "vectors": {"k": 16, "d": 8}}""", "/dev/ttyUSB1", "--netlist")]
    [InlineData("""{"hdl": {"lanes": 1, "entropy": {"enabled": true}}, "vectors": {"k": 16, "d": 8}}""", "sim", "hdl.entropy.enabled")]
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
