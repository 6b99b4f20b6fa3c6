using System.Globalization;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>
/// The board top as yosys synthesises it for the iCE40 UP5K, written back as a gate-level Verilog
/// netlist that Verilator simulates with yosys's own cell models (ice40/cells_sim.v: SB_LUT4, SB_CARRY,
/// the flip-flops, SB_MAC16, SB_RAM40_4K, SB_SPRAM256KA; Icarus takes them too, but runs a learning
/// design at some hundred clocks a second). The board testbench (tb/el_top_tb.v) drives
/// only the top's ports (the UART), so the same testbench and the same host bytes run on the RTL and
/// on the netlist: a netlist that is not the RTL (last round's miscompiled multiply) answers
/// differently. Two things differ from what 'hdl synth' places, both outside the datapath:
/// - the UART divider: synthesised with CLKS_PER_BIT = <see cref="ClksPerBit"/> (the testbench's bit
///   time) instead of clock / baud, else loading a data memory takes ~50 times as many clocks;
/// - the PLL (SB_PLL40_PAD, a black box in cells_sim.v) is renamed el_sim_pll in the netlist and
///   simulated as a wire from the board clock, locked from the start.
/// </summary>
public static class NetlistBoard
{
    /// <summary>The UART bit time the netlist is synthesised with: tb/el_top_tb.v's CLKS_PER_BIT.</summary>
    public const int ClksPerBit = 8;
    /// <summary>The netlist's folder under a generated source folder.</summary>
    public const string Folder = "netlist-ice40";
    /// <summary>The netlist (module el_top_netlist) and the shim that makes it the board top for the testbench.</summary>
    public const string NetlistFile = "el_top_netlist.v", ShimFile = "el_netlist_shim.v";

    /// <summary>The yosys synthesis commands the netlist was made with (<see cref="HdlSynthesizer.Ice40SynthCommands"/>).</summary>
    private const string FlowFile = "flow.txt";

    /// <summary>yosys's simulation models of the iCE40 cells (Debian package yosys).</summary>
    public static string CellModels
    {
        get
        {
            string? yosys = ToolRunner.Find("yosys") ?? throw new ToolMissingException("yosys");
            // yosys-config --datdir is where the models are; beside the binary is the usual install
            foreach (string dir in new[] { Path.Combine(Path.GetDirectoryName(yosys)!, "..", "share", "yosys"), "/usr/share/yosys", "/usr/local/share/yosys" })
            {
                string f = Path.GetFullPath(Path.Combine(dir, "ice40", "cells_sim.v"));
                if (File.Exists(f)) return f;
            }
            throw new HdlToolException("yosys's iCE40 cell models (share/yosys/ice40/cells_sim.v) were not found beside " + yosys);
        }
    }

    /// <summary>
    /// Synthesises the board top of the generated folder <paramref name="src"/> (yosys synth_ice40
    /// -dsp -spram, as 'hdl synth') once per folder and writes the gate-level netlist and its shim;
    /// returns the netlist folder. The netlist is simulated as yosys made it, even where 'hdl synth'
    /// would refuse it (<see cref="YosysLogCheck"/>): showing what such a chip does is the point. With
    /// the entropy source, the ring oscillators (el_ro: SB_LUT4 loops, which a zero-delay simulation
    /// cannot make oscillate) are read as a black box and stay el_ro instances in the netlist, which
    /// the simulation fills with the RTL runs' behavioural rings (<see cref="SimulationFiles"/>);
    /// everything behind the rings (sampling, conditioner, health tests, el_entropy_ctl) is gates.
    /// </summary>
    public static string Synthesize(string src, CancellationToken cancel = default)
    {
        string dir = Path.Combine(src, Folder);
        string netlist = Path.Combine(dir, NetlistFile), flowFile = Path.Combine(dir, FlowFile);
        // the folder is keyed by the generated sources only: a netlist another synthesis flow made (an older build's) is made again
        string flow = HdlSynthesizer.Ice40SynthCommands();
        bool Current() => File.Exists(netlist) && File.Exists(flowFile) && File.ReadAllText(flowFile) == flow;
        if (Current()) return dir;
        string tmp = dir + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(tmp);
        try
        {
            bool entropy = HdlGenerator.HasEntropySource(src);
            string rings = Path.Combine(src, HdlGenerator.RingsForSynthesis);
            var rtl = HdlGenerator.CoreRtl.Select(f => Path.Combine(src, f)).Concat(HdlGenerator.BoardFiles(src, synthesis: true)).Where(f => f != rings);
            var commands = new List<string>();
            // the rings as a black box (ports and parameters only): the netlist keeps el_ro instances for the behavioural model
            if (entropy) commands.Add($"read_verilog -lib {rings}");
            commands.AddRange([
                $"read_verilog {string.Join(" ", rtl)}",
                $"chparam -set CLKS_PER_BIT {ClksPerBit.ToString(CultureInfo.InvariantCulture)} el_top_icebreaker",
                HdlSynthesizer.Ice40SynthCommands(),
                "rename el_top_icebreaker el_top_netlist",
                "chtype -map SB_PLL40_PAD el_sim_pll",
                $"write_verilog -noattr {Path.Combine(tmp, NetlistFile)}"]);
            string script = string.Join("; ", commands);
            ToolResult y = ToolRunner.Run("yosys", ["-q", "-l", Path.Combine(tmp, "yosys.log"), "-p", script], tmp, cancel);
            if (!y.Ok) throw new HdlToolException("yosys synth_ice40 of the board top failed: " + y.Tail(5));
            string net = Path.Combine(tmp, NetlistFile);
            File.WriteAllText(net, TieUnconnectedDspInputs(File.ReadAllText(net)));
            File.WriteAllText(Path.Combine(tmp, ShimFile), Shim(entropy));
            File.WriteAllText(Path.Combine(tmp, FlowFile), flow);
            if (Directory.Exists(dir) && !Current()) Directory.Delete(dir, recursive: true);
            try { Directory.Move(tmp, dir); }
            catch (IOException) when (File.Exists(netlist)) { }   // a concurrent run put the same netlist in place
            return dir;
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        }
    }

    /// <summary>
    /// write_verilog leaves out the SB_MAC16 inputs yosys did not connect (a lane's plain multiply has
    /// only A, B and O); cells_sim.v has no defaults for them, so a simulator would read them as z.
    /// They are tied here as the iCE40 ties an unused DSP input: low, the clock enable high.
    /// </summary>
    private static string TieUnconnectedDspInputs(string netlist)
    {
        string[] ports = ["CLK", "CE", "C", "D", "AHOLD", "BHOLD", "CHOLD", "DHOLD", "IRSTTOP", "IRSTBOT", "ORSTTOP", "ORSTBOT",
            "OLOADTOP", "OLOADBOT", "ADDSUBTOP", "ADDSUBBOT", "OHOLDTOP", "OHOLDBOT", "CI", "ACCUMCI", "SIGNEXTIN"];
        return System.Text.RegularExpressions.Regex.Replace(netlist,
            @"(\n  SB_MAC16 (?:#\((?:.|\n)*?\n  \) )?\S+ +\(\n)((?:.|\n)*?)(\n  \);)",
            m =>
            {
                var have = System.Text.RegularExpressions.Regex.Matches(m.Groups[2].Value, @"^\s*\.(\w+)\(", System.Text.RegularExpressions.RegexOptions.Multiline)
                    .Select(p => p.Groups[1].Value).ToHashSet();
                string added = string.Concat(ports.Where(p => !have.Contains(p))
                    .Select(p => $",\n    .{p}({(p == "CE" ? "1'b1" : p is "C" or "D" ? "16'h0000" : "1'b0")})"));
                return m.Groups[1].Value + m.Groups[2].Value + added + m.Groups[3].Value;
            });
    }

    /// <summary>
    /// The Verilog files the simulator compiles with the board testbench of the generated folder
    /// <paramref name="src"/>, netlist first; with the entropy source the behavioural rings too.
    /// </summary>
    public static IEnumerable<string> SimulationFiles(string src, string netlistDir) =>
        new[] { Path.Combine(netlistDir, NetlistFile), Path.Combine(netlistDir, ShimFile), CellModels }
            .Concat(HdlGenerator.HasEntropySource(src) ? [Path.Combine(src, HdlGenerator.RingsForSimulation)] : Array.Empty<string>());

    /// <summary>The shim; with the entropy source the top also has the fault LED.</summary>
    private static string Shim(bool entropy) => $$"""
        // Written by EdgeLangevin.Codegen (NetlistBoard): makes the gate-level netlist of the board top
        // (module el_top_netlist, yosys synth_ice40 + write_verilog) the el_top_icebreaker that
        // tb/el_top_tb.v instantiates.
        `default_nettype none
        `timescale 1ns/1ps
        // read by tb/el_top_tb.v (compiled after this file): leave out what probes the RTL's internals
        `define EL_GATE_LEVEL

        // The UP5K PLL for simulation: the board clock passes through and the PLL is locked at once
        // (SB_PLL40_PAD is a black box in cells_sim.v; the netlist's PLL was renamed to this).
        module el_sim_pll #(
            parameter FEEDBACK_PATH = "SIMPLE",
            parameter [3:0] DIVR = 4'd0,
            parameter [6:0] DIVF = 7'd0,
            parameter [2:0] DIVQ = 3'd0,
            parameter [2:0] FILTER_RANGE = 3'd0
        ) (
            input  wire PACKAGEPIN,
            output wire PLLOUTGLOBAL,
            output wire LOCK,
            input  wire RESETB,
            input  wire BYPASS
        );
            assign PLLOUTGLOBAL = PACKAGEPIN;
            assign LOCK = 1'b1;
        endmodule

        module el_top_icebreaker #(
            parameter integer CLKS_PER_BIT = {{ClksPerBit}}
        ) (
            input  wire i_clk12,
            input  wire i_uart_rx,
            output wire o_uart_tx,
            output wire o_led_busy,
            output wire o_led_done{{(entropy ? ",\n    output wire o_led_fault" : "")}}
        );
            // the netlist's UART divider is fixed at synthesis: a testbench with another bit time cannot talk to it
            initial if (CLKS_PER_BIT != {{ClksPerBit}}) begin
                $display("RESULT error=\"the netlist was synthesised with CLKS_PER_BIT = {{ClksPerBit}}, the testbench uses %0d\"", CLKS_PER_BIT);
                $finish;
            end
            el_top_netlist u_netlist (
                .i_clk12(i_clk12), .i_uart_rx(i_uart_rx), .o_uart_tx(o_uart_tx), .o_led_busy(o_led_busy), .o_led_done(o_led_done){{(entropy ? ", .o_led_fault(o_led_fault)" : "")}}
            );
        endmodule

        """;
}
