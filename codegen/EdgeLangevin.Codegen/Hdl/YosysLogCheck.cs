using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>One yosys warning whose class means the netlist does not do what the RTL does.</summary>
/// <param name="Class">The warning's class, e.g. "Driver-driver conflict".</param>
/// <param name="Signal">The signal it names (bit index dropped), e.g. "u_core.u_mac.q2b".</param>
/// <param name="Bits">How many warnings of this class named this signal (one per bit for a conflict).</param>
public sealed record NetlistWarning(string Class, string Signal, int Bits)
{
    public override string ToString() => Bits > 1 ? $"'{Class}' for {Signal} ({Bits} bits)" : $"'{Class}' for {Signal}";
}

/// <summary>
/// Reads a yosys log for the warnings after which the synthesised netlist is not the RTL that the
/// simulators ran. Last round's learning chip was such a netlist: yosys 0.23's ice40_dsp packed two
/// registers of a multiply into an SB_MAC16 yet left one of them driving the same net, opt_clean
/// "Resolved using constant" (23 warnings "Driver-driver conflict for ...q2b"), and every RTL
/// simulation passed while the chip added a constant instead of hi * rate. The classes, from yosys
/// 0.23's sources (the message formats below are theirs):
/// - opt_clean: "Driver-driver conflict for S between cell C.P and constant V in M: Resolved using
///   constant." (a cell output replaced by a constant);
/// - opt_clean: "Initial value conflict for S resolving to V but with init I." (a power-on value
///   that is not the RTL's);
/// - check: "multiple conflicting drivers for M.S:" (a short in the netlist);
/// - check: "Wire M.S is used but has no driver." (a floating net, any value on the chip);
/// - check: "found logic loop in module M:" followed by the loop's cells and wires (the RTL has no
///   combinational loop; the entropy source's ring oscillators are SB_LUT4 instances, which check
///   does not trace, so they give none);
/// - the Verilog frontend: "FILE:LINE: Warning: Range select ... out of bounds on signal `S': Setting ... to undef."
///   (yosys may pick any value where Icarus shows X and Verilator 0);
/// - proc_dff: "Async reset value `S' is not constant!" and "Complex async reset for dff `S'."
///   (yosys 0.23 emulates these, not always as the simulators do).
/// Other warnings (e.g. "Replacing memory ... with list of registers", which every design here
/// gives) leave the function alone and are not refused.
/// </summary>
public static class YosysLogCheck
{
    private static readonly (string Class, Regex Pattern)[] Classes =
    [
        ("Driver-driver conflict", new(@"^Warning: Driver-driver conflict for (.+?) between cell ", RegexOptions.Multiline | RegexOptions.CultureInvariant)),
        ("Initial value conflict", new(@"^Warning: Initial value conflict for (.+?) resolving to ", RegexOptions.Multiline | RegexOptions.CultureInvariant)),
        ("multiple conflicting drivers", new(@"^Warning: multiple conflicting drivers for (.+?):\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)),
        ("used but has no driver", new(@"^Warning: Wire (.+?) is used but has no driver\.", RegexOptions.Multiline | RegexOptions.CultureInvariant)),
        ("found logic loop", new(@"^Warning: found logic loop in module (.+?):\s*\n((?:[ \t]+\S.*\n?)*)", RegexOptions.Multiline | RegexOptions.CultureInvariant)),
        ("Range select out of bounds", new(@"^(?:\S+:\d+: )?Warning: .*?select.*? out of bounds on signal `(.+?)'", RegexOptions.Multiline | RegexOptions.CultureInvariant)),
        ("Async reset value is not constant", new(@"^Warning: Async reset value `(.+?)' is not constant", RegexOptions.Multiline | RegexOptions.CultureInvariant)),
        ("Complex async reset", new(@"^Warning: Complex async reset for dff `(.+?)'", RegexOptions.Multiline | RegexOptions.CultureInvariant)),
    ];

    /// <summary>
    /// The warnings of <paramref name="log"/> (a yosys -l log) that mean the netlist is not the RTL,
    /// one per class and signal, in the log's order.
    /// </summary>
    public static IReadOnlyList<NetlistWarning> Find(string log)
    {
        var found = new List<(int At, string Class, string Signal)>();
        foreach (var (cls, pattern) in Classes)
            foreach (Match m in pattern.Matches(log))
            {
                // a loop is named by its first wire ("wire \\x [3]"), else by its module
                string signal = cls == "found logic loop"
                    && m.Groups[2].Value.Split('\n', StringSplitOptions.TrimEntries).FirstOrDefault(l => l.StartsWith("wire ", StringComparison.Ordinal)) is { } wire
                    ? Name(wire[5..])
                    : Name(m.Groups[1].Value);
                found.Add((m.Index, cls, signal));
            }
        return found.OrderBy(f => f.At)
            .GroupBy(f => (f.Class, f.Signal))
            .Select(g => new NetlistWarning(g.Key.Class, g.Key.Signal, g.Count()))
            .ToList();
    }

    /// <summary>
    /// Throws an <see cref="InvalidInputException"/> (exit 2) naming the signals when the yosys log at
    /// <paramref name="logPath"/> has a warning of <see cref="Find"/>, or the JSON netlist
    /// <paramref name="jsonNetlist"/> a cell of <see cref="FindUndefinedDspAddends"/>: the synthesised chip would differ
    /// from the simulated one, so nothing may be placed, routed or simulated from that netlist.
    /// </summary>
    public static void Require(string logPath, string? jsonNetlist = null)
    {
        if (!File.Exists(logPath)) throw new HdlToolException($"yosys wrote no log at {logPath}");
        IReadOnlyList<NetlistWarning> bad = Find(File.ReadAllText(logPath));
        if (jsonNetlist is not null) bad = [.. bad, .. FindUndefinedDspAddends(jsonNetlist)];
        if (bad.Count == 0) return;
        const int shown = 5;
        string list = string.Join("; ", bad.Take(shown)) + (bad.Count > shown ? $"; and {bad.Count - shown} more" : "");
        throw new InvalidInputException(
            $"yosys's netlist has {list}: it does not do what the RTL does, so the synthesised chip would differ from the simulated one " +
            $"(every RTL simulation can pass while the chip is wrong). The netlist was refused and not placed; the full log is {logPath}");
    }

    /// <summary>
    /// The SB_MAC16 cells of a yosys JSON netlist whose adder reads an input tied to an undefined
    /// constant: D with BOTADDSUB_UPPERINPUT = 1 or C with TOPADDSUB_UPPERINPUT = 1 (cells_sim.v: the
    /// adder's upper input is then D, resp. C) and an 'x' bit on that port. yosys 0.23 made one such
    /// cell of el_mac's rounding add t = {16'd0, q0[31:16]} + q1 (D = 16'b0xxxxxxxxxxxxxxx: the addend
    /// lost) without any warning in its log; the gate-level simulation found it.
    /// </summary>
    public static IReadOnlyList<NetlistWarning> FindUndefinedDspAddends(string jsonPath)
    {
        var found = new List<NetlistWarning>();
        if (JsonNode.Parse(File.ReadAllText(jsonPath))?["modules"] is not JsonObject modules) return found;
        foreach (var (_, module) in modules)
        {
            if (module?["cells"] is not JsonObject cells) continue;
            foreach (var (name, cell) in cells)
            {
                if (cell?["type"]?.GetValue<string>() != "SB_MAC16" || cell["connections"] is not JsonObject conn) continue;
                foreach (var (port, select) in new[] { ("D", "BOTADDSUB_UPPERINPUT"), ("C", "TOPADDSUB_UPPERINPUT") })
                {
                    if (!IsOne(cell["parameters"]?[select])) continue;
                    int undefined = conn[port] is JsonArray bits ? bits.Count(b => b is JsonValue bv && bv.TryGetValue(out string? t) && t == "x") : 0;
                    if (undefined > 0) found.Add(new NetlistWarning($"SB_MAC16 adder input {port} tied to an undefined constant", Name(name), undefined));
                }
            }
        }
        return found;
    }

    /// <summary>A yosys JSON parameter equal to 1: a binary string ("1", "00...01") or a number.</summary>
    private static bool IsOne(JsonNode? v) => v is JsonValue jv
        && (jv.TryGetValue(out string? text) ? text.TrimStart('0') == "1" : jv.TryGetValue(out long n) && n == 1);

    /// <summary>A yosys signal name without its escape and bit index: "\u_core.q2b [15]" -> "u_core.q2b".</summary>
    private static string Name(string raw)
    {
        string s = raw.Trim();
        int bit = s.LastIndexOf(" [", StringComparison.Ordinal);
        if (bit > 0 && s.EndsWith(']')) s = s[..bit];
        if (s.StartsWith('\\')) s = s[1..];
        return s.Replace(".\\", ".", StringComparison.Ordinal);
    }
}
