using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>Resources and timing from the tools' own reports.</summary>
public sealed record Ice40Result(double FmaxMhz, double TargetMhz, int LogicCells, int Dsp, int Bram, int Spram, bool Fits, bool TimingMet, string? Error)
{
    /// <summary>The nextpnr placement seed whose result this is (see <see cref="HdlSynthesizer.PlacementSeeds"/>).</summary>
    public int NextpnrSeed { get; init; } = 1;

    /// <summary>Why nextpnr failed (<see cref="HdlSynthesizer.ClassifyFailure"/>), or null when it placed and routed.</summary>
    public HdlSynthesizer.NextpnrFailure? Failure { get; init; }

    public JsonObject ToJson() => new()
    {
        ["device"] = "iCE40UP5K-SG48", ["fmax_mhz"] = Math.Round(FmaxMhz, 2), ["target_mhz"] = TargetMhz, ["nextpnr_seed"] = NextpnrSeed,
        ["logic_cells"] = LogicCells, ["logic_cells_available"] = DatapathModel.Up5kLogicCells,
        ["dsp"] = Dsp, ["bram"] = Bram, ["spram"] = Spram, ["fits"] = Fits, ["timing_met"] = TimingMet, ["error"] = Error,
    };
}

/// <summary>
/// yosys synth_ice40 + nextpnr-ice40 for the UP5K on the board top, and yosys resource counts of
/// the datapath for Xilinx 7-series (synth_xilinx) and ECP5 (synth_ecp5).
/// </summary>
public static class HdlSynthesizer
{
    /// <summary>
    /// The yosys commands that synthesise the board top for the UP5K (synth_ice40 -dsp -spram), with
    /// yosys's `check` run once more right after the coarse stage, where ice40_dsp has packed the
    /// multipliers and their registers into SB_MAC16s. Why: yosys 0.23's ice40_dsp deletes a product
    /// register it packs as a whole, so register bits above the product it packed (copies of the
    /// product's sign when the register is wider) lose their driver; `check` names them there ("is
    /// used but has no driver", which <see cref="YosysLogCheck"/> refuses), while synth_ice40's later
    /// `opt -undriven` turns them into constants without a word (issue 11: the noise terms and drives
    /// of every chip were wrong for negative values). <paramref name="output"/>: synth_ice40's output
    /// options, e.g. "-json top.json"; <paramref name="top"/>: the top module.
    /// Before synth_ice40 maps the flip-flops (its map_ffs step), a clock enable or synchronous set/reset that fewer than
    /// <see cref="MinFlipFlopsPerControlNet"/> flip-flops share is turned back into logic in front of D (yosys's dfflegalize
    /// -mince / -minsrst; the same cell types synth_ice40's own dfflegalize allows, so its map_ffs changes nothing more).
    /// Why: an iCE40 logic block's 8 cells share one clock enable and one set/reset, and yosys gives a register its own
    /// enable or reset wherever a mux with a constant or a hold in front of it allows, one bit at a time: the learning
    /// chip with the entropy source (bars K 16 D 64, 1 lane, 1 chain, seeded) had 148 control sets, 101 of them with
    /// fewer than 8 flip-flops, and at 94.6 % of the cells nextpnr's HeAP legaliser found no legal placement (seed 1:
    /// 2 to 106 s per legalisation, the 23rd unfinished after 15 minutes; session 18's run of its 5033-cell netlist
    /// stopped after ~30 minutes with "Unable to find legal placement for all cells"); with the small ones turned into
    /// logic it has 55 sets (3 below 8) and 11 more cells, and HeAP placed it in 33 s (hdl-templates/ENTROPY.md
    /// "Measured here", hw-21). codegen/control-sets.py counts a netlist's control sets.
    /// </summary>
    public static string Ice40SynthCommands(string output = "", string top = "el_top_icebreaker") =>
        $"synth_ice40 -dsp -spram -top {top} -run :map_ram; check; synth_ice40 -dsp -spram -top {top} -run map_ram:map_ffs; " +
        $"{Ice40FlipFlopLegalize} -mince {MinFlipFlopsPerControlNet} -minsrst {MinFlipFlopsPerControlNet}; " +
        $"synth_ice40 -dsp -spram -top {top} -run map_ffs: {output}".TrimEnd();

    /// <summary>
    /// The fewest flip-flops that may share a clock enable or a synchronous set/reset net in the UP5K netlist: one logic
    /// block's worth (8 cells), so that no enable or reset takes a block for a few flip-flops.
    /// </summary>
    public const int MinFlipFlopsPerControlNet = 8;

    /// <summary>synth_ice40's (yosys 0.23) map_ffs dfflegalize cell list: the flip-flop types the iCE40 has.</summary>
    private const string Ice40FlipFlopLegalize =
        "dfflegalize -cell $_DFF_?_ 0 -cell $_DFFE_?P_ 0 -cell $_DFF_?P?_ 0 -cell $_DFFE_?P?P_ 0 -cell $_SDFF_?P?_ 0 -cell $_SDFFCE_?P?P_ 0 -cell $_DLATCH_?_ x";

    /// <summary>
    /// yosys with <see cref="Ice40SynthCommands"/> on the board top of the generated folder
    /// <paramref name="src"/>: the netlist src/synth-ice40/top.json, written only when
    /// <see cref="YosysLogCheck.Require"/> finds the log and the netlist to be the RTL (else it throws,
    /// exit 2, and no top.json is left). Returns the netlist's path, or null and yosys's error.
    /// `hdl synth` places it; `hdl synth --netlist-only` stops here for scripts that place it
    /// themselves (codegen/measure-entropy-beside.sh), so there is one flow and one check.
    /// </summary>
    public static (string? Netlist, string? Error) Ice40Netlist(string src, CancellationToken cancel = default)
    {
        string dir = Path.Combine(src, "synth-ice40");
        Directory.CreateDirectory(dir);
        var rtl = HdlGenerator.CoreRtl.Select(f => Path.Combine(src, f)).Concat(HdlGenerator.BoardFiles(src, synthesis: true));
        // the netlist goes to a temporary name and becomes top.json only once the log shows that it is the RTL
        string pending = Path.Combine(dir, "top.pending.json"), netlist = Path.Combine(dir, "top.json");
        string script = $"read_verilog {string.Join(" ", rtl)}; {Ice40SynthCommands($"-json {pending}")}";
        string log = Path.Combine(dir, "yosys.log");
        ToolResult y = ToolRunner.Run("yosys", ["-q", "-l", log, "-p", script], dir, cancel);
        if (!y.Ok) return (null, "yosys failed: " + y.Tail(5));
        try { YosysLogCheck.Require(log, pending); }
        catch (InvalidInputException)
        {
            File.Delete(pending);
            File.Delete(netlist);   // an earlier run's: nothing placed from this folder may pass for this one
            throw;
        }
        File.Move(pending, netlist, overwrite: true);
        return (netlist, null);
    }

    public static Ice40Result Ice40(string src, double targetMhz, CancellationToken cancel = default)
    {
        var (netlist, error) = Ice40Netlist(src, cancel);
        if (netlist is null) return new Ice40Result(0, targetMhz, 0, 0, 0, 0, false, false, error);
        string dir = Path.GetDirectoryName(netlist)!;
        // Placement is seeded and the achieved fmax varies by a few per cent between seeds; a design
        // this close to its clock closes timing on one seed and misses on another. Try the seeds in
        // order, stop at the first that meets the clock, else keep the fastest; the bitstream and the
        // report are that seed's.
        Ice40Result? best = null;
        var unplaced = new List<Ice40Result>();
        foreach (int seed in PlacementSeeds)
        {
            Ice40Result r = PlaceAndRoute(src, dir, seed, targetMhz, cancel);
            // no legal placement or routing is the placer's or router's random search giving up: another seed may find one
            if (r.Failure is NextpnrFailure.NotPlaced or NextpnrFailure.NotRouted) { unplaced.Add(r); continue; }
            if (!r.Fits) return r; // a design larger than the part or a tool failure does not depend on the seed
            if (best is null || r.FmaxMhz > best.FmaxMhz)
            {
                best = r;
                File.Copy(Path.Combine(dir, $"top-seed{seed}.asc"), Path.Combine(dir, "top.asc"), overwrite: true);
                File.Copy(Path.Combine(dir, $"report-seed{seed}.json"), Path.Combine(dir, "report.json"), overwrite: true);
            }
            if (r.TimingMet) break;
        }
        if (best is null)
        {
            Ice40Result last = unplaced[^1];
            return last with { Error = NotPlacedMessage(unplaced, ControlSets.Read(netlist)) };
        }
        if (File.Exists(Path.Combine(dir, "top.asc")) && ToolRunner.Exists("icepack"))
            ToolRunner.Run("icepack", [Path.Combine(dir, "top.asc"), Path.Combine(dir, "top.bin")], dir, cancel);
        return best;
    }

    /// <summary>
    /// What `hdl synth` says when no seed gave a placed and routed chip although the cells fit: what nextpnr said, how full
    /// the chip is, and the netlist's control sets (an iCE40 logic block's 8 cells share one clock enable and one
    /// set/reset: small sets are what leaves cells without a legal block near a full chip).
    /// </summary>
    public static string NotPlacedMessage(IReadOnlyList<Ice40Result> seeds, ControlSets sets)
    {
        Ice40Result first = seeds[0];
        bool routing = seeds.All(r => r.Failure == NextpnrFailure.NotRouted);
        string what = routing ? "does not route" : "does not place";
        string found = routing ? "no complete routing" : "no legal placement";
        string full = FormattableString.Invariant($"{first.LogicCells} of {DatapathModel.Up5kLogicCells} logic cells ({100.0 * first.LogicCells / DatapathModel.Up5kLogicCells:0.0} %)");
        return $"{what}: nextpnr-ice40 packed it into {full} but found {found} on seed{(seeds.Count > 1 ? "s" : "")} " +
            $"{string.Join(", ", seeds.Select(r => r.NextpnrSeed))} ({first.Error}); the netlist has {sets.Describe()}: an iCE40 logic block's " +
            $"{ControlSets.BlockCells} cells share one clock enable and one set/reset, so fewer cells or fewer small control sets are needed " +
            "(python3 codegen/control-sets.py NETLIST lists them)";
    }

    /// <summary>Why a nextpnr-ice40 run failed, from its log.</summary>
    public enum NextpnrFailure
    {
        /// <summary>Not one of the below: a tool or input error.</summary>
        Other,
        /// <summary>More cells of a type than the part has: the same on every seed.</summary>
        TooLarge,
        /// <summary>The placer gave up looking for a legal place for every cell (near a full chip): another seed may place it.</summary>
        NotPlaced,
        /// <summary>The router gave up: another placement may route.</summary>
        NotRouted,
    }

    /// <summary>
    /// Classifies a failed nextpnr-ice40 run by its log, in nextpnr 0.4's words. Too large: "Unable to place cell 'C', no
    /// BELs remaining to implement cell type 'T'", or a utilisation line with more used than available. Not placed:
    /// HeAP's strict legaliser "Unable to find legal placement for all cells, design is probably at utilisation limit."
    /// and "Unable to find legal placement for cell 'C', check constraints and utilisation.", the annealer's "failed to
    /// place cell 'C' of type 'T' (ripup iteration limit exceeded)" and "Unable to find a placement location for cell
    /// 'C'". Not routed: "Failed to route arc ...". (Before hw-21 a no-fit was recognised by "Unable to place", "too many"
    /// or "exceeds", which nextpnr 0.4 never says about placement: the learning chip's HeAP failure came out as
    /// "nextpnr failed" and no other seed was tried.)
    /// </summary>
    public static NextpnrFailure ClassifyFailure(string log)
    {
        if (log.Contains("no BELs remaining to implement cell type", StringComparison.Ordinal)) return NextpnrFailure.TooLarge;
        foreach (Match m in Regex.Matches(log, @"\w+:\s+(\d+)\s*/\s*(\d+)\s+\d+%", RegexOptions.CultureInvariant))
            if (long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) > long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)) return NextpnrFailure.TooLarge;
        if (Regex.IsMatch(log, @"Unable to find legal placement|Unable to find a placement location for cell|ripup iteration limit exceeded", RegexOptions.CultureInvariant))
            return NextpnrFailure.NotPlaced;
        if (log.Contains("Failed to route", StringComparison.Ordinal)) return NextpnrFailure.NotRouted;
        return NextpnrFailure.Other;
    }

    /// <summary>
    /// The nextpnr placement seeds tried, in order, until one meets the clock. The demo's learned
    /// K = 64 model in A=16.13,S=32.16,M=16.9,C=16.14 places at 51.7, 45.5, 53.4, 53.5, 53.5, 52.2,
    /// 51.4, 50.1 MHz on seeds 1-8 (7 of 8 meet 48 MHz; before the datapath was pipelined for timing
    /// it was 47.1, 45.2, 44.4, 47.4, 47.6, 48.9, 44.4, 46.9, only seed 6 passing). Three seeds, so
    /// that one unlucky placement does not fail a run, while a design that misses on all three
    /// costs three nextpnr runs (~30 s each here), not eight.
    /// </summary>
    public static readonly int[] PlacementSeeds = [1, 2, 3];

    private static Ice40Result PlaceAndRoute(string src, string dir, int seed, double targetMhz, CancellationToken cancel)
    {
        string report = Path.Combine(dir, $"report-seed{seed}.json");
        ToolResult n = ToolRunner.Run("nextpnr-ice40", ["--up5k", "--package", "sg48", "--pcf", Path.Combine(src, HdlGenerator.Pcf),
            "--json", Path.Combine(dir, "top.json"), "--asc", Path.Combine(dir, $"top-seed{seed}.asc"), "--freq", targetMhz.ToString(CultureInfo.InvariantCulture),
            "--timing-allow-fail", "--seed", seed.ToString(CultureInfo.InvariantCulture), "--report", report, "-l", Path.Combine(dir, $"nextpnr-seed{seed}.log"),
            // the entropy source's ring oscillators are combinational loops on purpose: not timed
            .. (HdlGenerator.HasEntropySource(src) ? ["--ignore-loops"] : Array.Empty<string>())], dir, cancel);
        string log = n.Stdout + n.Stderr;
        int lc = Used(log, "ICESTORM_LC"), dsp = Used(log, "ICESTORM_DSP"), bram = Used(log, "ICESTORM_RAM"), spram = Used(log, "ICESTORM_SPRAM");
        if (!n.Ok)
        {
            NextpnrFailure failure = ClassifyFailure(log);
            string error = failure switch
            {
                NextpnrFailure.TooLarge => "does not fit: " + n.Tail(5),
                NextpnrFailure.NotPlaced or NextpnrFailure.NotRouted => FirstError(log) ?? n.Tail(1),
                _ => "nextpnr failed: " + n.Tail(5),
            };
            return new Ice40Result(0, targetMhz, lc, dsp, bram, spram, false, false, error) { NextpnrSeed = seed, Failure = failure };
        }
        double fmax = Fmax(report, log);
        return new Ice40Result(fmax, targetMhz, lc, dsp, bram, spram, true, fmax >= targetMhz, null) { NextpnrSeed = seed };
    }

    /// <summary>nextpnr's first "ERROR: ..." line without the prefix, or null.</summary>
    private static string? FirstError(string log)
    {
        Match m = Regex.Match(log, @"^ERROR:\s*(.+?)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        return m.Success ? m.Groups[1].Value : null;
    }

    private static int Used(string log, string cell)
    {
        // "Info: 	         ICESTORM_LC:  4012/ 5280    75%" (the last such line is after placement)
        MatchCollection all = Regex.Matches(log, cell + @":\s+(\d+)\s*/\s*(\d+)", RegexOptions.CultureInvariant);
        return all.Count == 0 ? 0 : int.Parse(all[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static double Fmax(string reportPath, string log)
    {
        if (File.Exists(reportPath) && JsonNode.Parse(File.ReadAllText(reportPath)) is JsonObject r && r["fmax"] is JsonObject f)
        {
            double best = double.PositiveInfinity;
            foreach (var kv in f)
                if (kv.Value is JsonObject c && c["achieved"] is JsonNode a) best = Math.Min(best, a.GetValue<double>());
            if (double.IsFinite(best)) return best;
        }
        MatchCollection all = Regex.Matches(log, @"Max frequency for clock '[^']*': ([0-9.]+) MHz", RegexOptions.CultureInvariant);
        return all.Count == 0 ? 0 : double.Parse(all[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>yosys synth_ice40 cell counts of the board top (no place and route): a quick synthesisability check.</summary>
    public static JsonObject Ice40Cells(string src, CancellationToken cancel = default)
    {
        string dir = Path.Combine(src, "synth-ice40-cells");
        Directory.CreateDirectory(dir);
        string stat = Path.Combine(dir, "stat.txt");
        var rtl = HdlGenerator.CoreRtl.Select(f => Path.Combine(src, f)).Concat(HdlGenerator.BoardFiles(src, synthesis: true));
        string log = Path.Combine(dir, "yosys.log");
        if (File.Exists(stat)) File.Delete(stat);
        ToolResult y = ToolRunner.Run("yosys", ["-q", "-l", log, "-p", $"read_verilog {string.Join(" ", rtl)}; {Ice40SynthCommands()}; tee -q -o {stat} stat"], dir, cancel);
        if (!y.Ok || !File.Exists(stat)) throw new HdlToolException("yosys synth_ice40 failed: " + y.Tail(5));
        YosysLogCheck.Require(log);   // counts of a netlist that is not the RTL would measure the wrong chip
        return Cells(File.ReadAllText(stat));
    }

    private static JsonObject Cells(string statText)
    {
        var cells = new JsonObject();
        foreach (Match m in Regex.Matches(statText, @"^\s+(\S+)\s+(\d+)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant))
            cells[m.Groups[1].Value] = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return cells;
    }

    /// <summary>yosys cell counts of the datapath (el_core) for another family: "xilinx" or "ecp5".</summary>
    public static JsonObject OtherFamily(string src, string family, CancellationToken cancel = default)
    {
        string dir = Path.Combine(src, "synth-" + family);
        Directory.CreateDirectory(dir);
        string stat = Path.Combine(dir, "stat.txt");
        var rtl = HdlGenerator.CoreRtl.Select(f => Path.Combine(src, f));
        string synth = family == "xilinx" ? "synth_xilinx -top el_core -flatten" : "synth_ecp5 -top el_core";
        // "huge" (SPRAM) means nothing outside the UltraPlus: the dictionary goes to block RAM there.
        ToolResult y = ToolRunner.Run("yosys", ["-q", "-p", $"read_verilog {string.Join(" ", rtl)}; chparam -set DICT_STYLE \"block\" el_core; {synth}; tee -q -o {stat} stat"], dir, cancel);
        var result = new JsonObject { ["family"] = family, ["top"] = "el_core" };
        if (!y.Ok || !File.Exists(stat)) { result["error"] = "yosys failed: " + y.Tail(5); return result; }
        result["cells"] = Cells(File.ReadAllText(stat));
        return result;
    }
}
