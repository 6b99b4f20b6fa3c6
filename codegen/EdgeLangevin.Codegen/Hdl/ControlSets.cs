using System.Text.Json;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>
/// The control sets of a flattened iCE40 netlist (yosys write_json): the distinct (clock, clock enable, set/reset)
/// triples its flip-flops use. An iCE40 logic block's 8 cells share one of each (nextpnr-ice40 checks exactly this when
/// it places a cell), so a set of fewer than 8 flip-flops holds a block for a few of them; near a full chip such sets
/// leave flip-flops that no legal block takes. `hdl synth` names them when nextpnr finds no legal placement;
/// codegen/control-sets.py lists them one by one.
/// </summary>
/// <param name="FlipFlops">SB_DFF* cells.</param>
/// <param name="Sets">Distinct (clock and its edge, CEN, SR) of those flip-flops.</param>
/// <param name="SmallSets">Sets with fewer than <see cref="BlockCells"/> flip-flops.</param>
/// <param name="SmallSetsByInstance">Per instance path (the dotted prefix of the cell names flatten gives; "top" for
/// the top's own), the small sets with a flip-flop there, most first.</param>
public sealed record ControlSets(int FlipFlops, int Sets, int SmallSets, IReadOnlyList<KeyValuePair<string, int>> SmallSetsByInstance)
{
    /// <summary>Logic cells in an iCE40 logic block (PLB), which share one clock, one enable and one set/reset.</summary>
    public const int BlockCells = 8;

    /// <summary>Counts the control sets of the yosys json netlist <paramref name="netlistPath"/> (its top module).</summary>
    public static ControlSets Read(string netlistPath) => Count(File.ReadAllText(netlistPath));

    /// <summary>Counts the control sets of the yosys json text <paramref name="json"/> (its module with the "top" attribute).</summary>
    public static ControlSets Count(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement top = default;
        int tops = 0;
        foreach (JsonProperty m in doc.RootElement.GetProperty("modules").EnumerateObject())
            if (m.Value.TryGetProperty("attributes", out JsonElement a) && a.TryGetProperty("top", out _)) { top = m.Value; tops++; }
        if (tops != 1) throw new InvalidDataException($"the netlist has {tops} top modules, expected 1 (a flattened synth_ice40 netlist)");
        var members = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        int flipFlops = 0;
        foreach (JsonProperty cell in top.GetProperty("cells").EnumerateObject())
        {
            string type = cell.Value.GetProperty("type").GetString() ?? "";
            if (!type.StartsWith("SB_DFF", StringComparison.Ordinal)) continue;
            flipFlops++;
            JsonElement conn = cell.Value.GetProperty("connections");
            string Pin(string name, string absent) => conn.TryGetProperty(name, out JsonElement bits) ? bits[0].ToString() : absent;
            // an enable tied high and a set/reset tied low are no enable and no reset, as nextpnr packs them
            string cen = Pin("E", "1"), sr = conn.TryGetProperty("R", out _) ? Pin("R", "0") : Pin("S", "0");
            string key = string.Join("|", Pin("C", "?"), type.StartsWith("SB_DFFN", StringComparison.Ordinal) ? "neg" : "pos", cen == "1" ? "-" : cen, sr == "0" ? "-" : sr);
            if (!members.TryGetValue(key, out List<string>? list)) members[key] = list = [];
            list.Add(Instance(cell.Name));
        }
        var small = members.Values.Where(v => v.Count < BlockCells).ToList();
        var byInstance = small.SelectMany(v => v.Distinct(StringComparer.Ordinal)).GroupBy(i => i, StringComparer.Ordinal)
            .Select(g => new KeyValuePair<string, int>(g.Key, g.Count()))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        return new ControlSets(flipFlops, members.Count, small.Count, byInstance);
    }

    /// <summary>The instance path of a flattened cell: "u_core.u_mac.x_SB_DFF_Q" is in u_core.u_mac; yosys's own names are the top's.</summary>
    private static string Instance(string cellName)
    {
        string name = cellName.TrimStart('\\');
        int dot = name.LastIndexOf('.');
        return name.StartsWith('$') || dot < 0 ? "top" : name[..dot];
    }

    /// <summary>e.g. "148 control sets (clock, enable, set/reset) for 3236 flip-flops, 101 of them with fewer than 8 flip-flops, most in top (21), u_core.u_mac (20), u_core (17)".</summary>
    public string Describe(int instances = 3) =>
        FormattableString.Invariant($"{Sets} control sets (clock, enable, set/reset) for {FlipFlops} flip-flops, {SmallSets} of them with fewer than {BlockCells} flip-flops") +
        (SmallSetsByInstance.Count == 0 ? "" : ", most in " + string.Join(", ", SmallSetsByInstance.Take(instances).Select(kv => FormattableString.Invariant($"{kv.Key} ({kv.Value})"))));
}
