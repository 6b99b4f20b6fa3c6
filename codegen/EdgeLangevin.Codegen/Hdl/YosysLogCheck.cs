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
    /// <paramref name="logPath"/> has a warning of <see cref="Find"/>: the synthesised chip would differ
    /// from the simulated one, so nothing may be placed, routed or simulated from that netlist.
    /// </summary>
    public static void Require(string logPath)
    {
        if (!File.Exists(logPath)) throw new HdlToolException($"yosys wrote no log at {logPath}");
        IReadOnlyList<NetlistWarning> bad = Find(File.ReadAllText(logPath));
        if (bad.Count == 0) return;
        const int shown = 5;
        string list = string.Join("; ", bad.Take(shown)) + (bad.Count > shown ? $"; and {bad.Count - shown} more" : "");
        throw new InvalidInputException(
            $"yosys warned {list}: the netlist does not do what the RTL does, so the synthesised chip would differ from the simulated one " +
            $"(every RTL simulation can pass while the chip is wrong). The netlist was refused and not placed; the full log is {logPath}");
    }

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
