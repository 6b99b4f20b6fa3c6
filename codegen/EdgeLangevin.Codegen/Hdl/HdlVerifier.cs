using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>
/// The first word where the RTL and the C# core disagree: its step, chain (0 with one chain),
/// unit and word; for a dictionary word also its (d, k) (<see cref="Dk"/>).
/// </summary>
public sealed record Mismatch(int Step, int Unit, string Word, string Expected, string Got, int Chain = 0, (int D, int K)? Dk = null)
{
    public override string ToString() => Dk is { } dk
        ? $"step {Step}, dictionary word A[d={dk.D}, k={dk.K}]: expected {Expected}, got {Got}"
        : $"step {Step}, chain {Chain}, unit {Unit}, word {Word}: expected {Expected}, got {Got}";
}

/// <summary>One simulator's verdict on one vector set.</summary>
public sealed record SimulationResult(string Simulator, bool Passed, string? Error, Mismatch? FirstMismatch,
    int Steps, long Cycles, long MacBound, long FirstStepCycles, long FirstStepBound)
{
    /// <summary>A learning run (the MAC bound then includes phase L: ROWS B per unit active in some chain).</summary>
    public bool Learning { get; init; }
    /// <summary>The VCD written around the first mismatch (--waves), else null.</summary>
    public string? Waves { get; init; }
    /// <summary>Learning runs: clocks spent in phase L (el_core's ST_LEARN and ST_LWAIT) over all steps, else null.</summary>
    public long? LearnCycles { get; init; }
    /// <summary>Learning runs: phase L's MAC bound over all steps (ROWS B per unit active in some chain), else null.</summary>
    public long? LearnBound { get; init; }
    /// <summary>
    /// Learning runs: where the inference phase's clocks went over all steps (the testbench's ACCOUNT line: el_core's
    /// state, and el_mac's phase during a chain's step), in the testbench's order, else null.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, long>>? CycleAccount { get; init; }

    /// <summary>Cycles per step after the first (which also primes the noise pipeline and thresholds the initial state).</summary>
    public double SteadyCyclesPerStep => Steps > 1 ? (double)(Cycles - FirstStepCycles) / (Steps - 1) : Cycles;
    /// <summary>MAC-bound cycles per step over the same steps: 2 * ROWS * (active units), summed.</summary>
    public double SteadyMacBoundPerStep => Steps > 1 ? (double)(MacBound - FirstStepBound) / (Steps - 1) : MacBound;
    /// <summary>Steady cycles over the MAC bound, minus one (0.05 is 5 % above the bound).</summary>
    public double OverheadFraction => SteadyMacBoundPerStep > 0 ? SteadyCyclesPerStep / SteadyMacBoundPerStep - 1 : double.NaN;

    public string Summary()
    {
        if (Error is not null) return $"{Simulator}: ERROR {Error}";
        if (!Passed) return $"{Simulator}: FAIL at {FirstMismatch}";
        string what = Learning
            ? "every chain's noise, u and s word, u0, the learner stream, every dictionary write and the checkpoints equal"
            : "every noise word, u and s word equal";
        string phases = LearnCycles is long lc && LearnBound is long lb && Steps > 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"; per step over all steps, inference phase {(double)(Cycles - lc) / Steps:0.0} vs its MAC bound {(double)(MacBound - lb) / Steps:0.0} ({Above(Cycles - lc, MacBound - lb)}), learning phase {(double)lc / Steps:0.0} vs {(double)lb / Steps:0.0} ({Above(lc, lb)})")
            : "";
        string account = CycleAccount is { Count: > 0 } a && Steps > 0
            ? "; inference phase clocks per step: " + string.Join(", ", a.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key.Replace('_', ' ')} {(double)kv.Value / Steps:0.0}")))
            : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{Simulator}: pass ({Steps} steps, {what}); cycles/step {SteadyCyclesPerStep:0.0} vs MAC bound {SteadyMacBoundPerStep:0.0} ({100 * OverheadFraction:+0.0;-0.0} %){phases}{account}");
    }

    private static string Above(long cycles, long bound) =>
        bound > 0 ? string.Create(CultureInfo.InvariantCulture, $"{100.0 * cycles / bound - 100:+0.0;-0.0} %") : "no MAC work";

    public JsonObject ToJson() => new()
    {
        ["simulator"] = Simulator, ["passed"] = Passed, ["error"] = Error,
        ["first_mismatch"] = FirstMismatch is null ? null : new JsonObject
        {
            ["step"] = FirstMismatch.Step, ["chain"] = FirstMismatch.Chain, ["unit"] = FirstMismatch.Unit, ["word"] = FirstMismatch.Word,
            ["d"] = FirstMismatch.Dk?.D, ["k"] = FirstMismatch.Dk?.K,
            ["expected"] = FirstMismatch.Expected, ["got"] = FirstMismatch.Got,
        },
        ["steps"] = Steps, ["cycles"] = Cycles, ["mac_bound"] = MacBound,
        ["cycles_per_step"] = Round(SteadyCyclesPerStep), ["mac_bound_per_step"] = Round(SteadyMacBoundPerStep),
        ["overhead_fraction"] = double.IsFinite(OverheadFraction) ? Round(OverheadFraction) : null,
        ["learn_cycles"] = LearnCycles, ["learn_mac_bound"] = LearnBound,
        ["inference_cycle_account"] = CycleAccount is null ? null : new JsonObject(CycleAccount.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
    };

    private static double Round(double v) => Math.Round(v, 4);
}

public enum HdlSimulator { Icarus, Verilator }

/// <summary>
/// Runs the generated testbench against vectors from the C# core under Icarus Verilog and
/// Verilator. Builds are cached by the SHA-256 of the generated sources under a work folder,
/// so tests and repeated runs share one (slow) Verilator compile per configuration.
/// </summary>
public sealed class HdlVerifier
{
    private static readonly ConcurrentDictionary<string, object> BuildLocks = new();
    private readonly string _workRoot;
    private readonly HdlGenerator _generator;

    public HdlVerifier(string workRoot, HdlGenerator? generator = null)
    {
        _workRoot = Path.GetFullPath(workRoot);
        _generator = generator ?? new HdlGenerator();
        Directory.CreateDirectory(_workRoot);
    }

    /// <summary>$EDGELANGEVIN_HDL_WORK, else ~/.cache/edgelangevin/hdl.</summary>
    public static string DefaultWorkRoot =>
        Environment.GetEnvironmentVariable("EDGELANGEVIN_HDL_WORK") is { Length: > 0 } w ? w :
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "edgelangevin", "hdl");

    /// <summary>The generated sources for <paramref name="model"/>, written once per content hash.</summary>
    public string Sources(DatapathModel model)
    {
        IReadOnlyList<GeneratedFile> files = _generator.Render(model);
        var sha = SHA256.Create();
        foreach (GeneratedFile f in files)
        {
            byte[] b = Encoding.UTF8.GetBytes(f.Path + "\0" + f.Text + "\0");
            sha.TransformBlock(b, 0, b.Length, null, 0);
        }
        sha.TransformFinalBlock([], 0, 0);
        string dir = Path.Combine(_workRoot, Convert.ToHexStringLower(sha.Hash!)[..16]);
        lock (BuildLocks.GetOrAdd(dir, _ => new object()))
        {
            if (!File.Exists(Path.Combine(dir, "config.json")))
                using (AtomicFile.CacheWrites())
                    AtomicFile.WriteDirectory(dir, tmp => HdlGenerator.WriteFiles(files, tmp));
        }
        return dir;
    }

    private static IEnumerable<string> RtlFiles(string src) => HdlGenerator.CoreRtl.Select(f => Path.Combine(src, f));

    /// <summary>verilator --lint-only -Wall over the datapath and the board top, with the waiver file.</summary>
    public static ToolResult Lint(string src, string top = "el_top_icebreaker")
    {
        // --timing: the entropy source's behavioural rings (the simulation model lint reads) have delays
        var args = new List<string> { "--lint-only", "-Wall", "--timing", "--top-module", top, Path.Combine(src, HdlGenerator.LintWaivers) };
        args.AddRange(RtlFiles(src));
        if (top == "el_top_icebreaker") args.AddRange(HdlGenerator.BoardFiles(src, synthesis: false));
        return ToolRunner.Run("verilator", args, src);
    }

    /// <summary>Compiles the testbench for <paramref name="sim"/> once per source folder; returns the command to run.</summary>
    public string Build(string src, HdlSimulator sim, CancellationToken cancel = default)
    {
        string outDir = Path.Combine(src, sim == HdlSimulator.Icarus ? "icarus" : "verilator");
        string exe = Path.Combine(outDir, sim == HdlSimulator.Icarus ? "el_tb.vvp" : "obj_dir/el_tb_sim");
        lock (BuildLocks.GetOrAdd(outDir, _ => new object()))
        {
            if (File.Exists(exe)) return exe;
            string tmp = outDir + ".tmp";
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            Directory.CreateDirectory(tmp);
            var files = RtlFiles(src).Append(Path.Combine(src, HdlGenerator.Testbench)).ToList();
            ToolResult r = sim == HdlSimulator.Icarus
                ? ToolRunner.Run("iverilog", new[] { "-g2005", "-s", "el_tb", "-o", Path.Combine(tmp, "el_tb.vvp") }.Concat(files), tmp, cancel)
                : ToolRunner.Run("verilator", new[] { "--binary", "--timing", "--trace", "-Wno-fatal", "-Wno-lint", "-Wno-style", "-j", "2",
                    "--top-module", "el_tb", "-Mdir", Path.Combine(tmp, "obj_dir"), "-o", "el_tb_sim" }.Concat(files), tmp, cancel);
            if (!r.Ok) throw new HdlToolException($"{sim} build failed:\n{r.Tail()}");
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
            Directory.Move(tmp, outDir);
            return exe;
        }
    }

    /// <summary>
    /// Runs the built testbench in <paramref name="vectorsDir"/> and parses its RESULT line. A
    /// learning vector set (manifest "learning") adds the learner seed, the checkpoint interval
    /// and the number of dictionary writes. With <paramref name="wavesPath"/>, a failing run is
    /// repeated with a VCD dump from two steps before the first mismatch to it, written there.
    /// With <paramref name="dictionaryOut"/> (learning only), the learning testbench writes there the
    /// dictionary its memories hold at the end ($readmemh format, D*K words row-major, see
    /// <see cref="ReadDictionary"/>): what the chip learned, read from the RTL, not from the vectors.
    /// </summary>
    public SimulationResult Simulate(string src, HdlSimulator sim, string vectorsDir, int steps, int generatorSeed, CancellationToken cancel = default, string? wavesPath = null,
        string? dictionaryOut = null)
    {
        string exe = Build(src, sim, cancel);
        var plus = new List<string> { $"+steps={steps.ToString(CultureInfo.InvariantCulture)}", $"+seed={generatorSeed.ToString("x8", CultureInfo.InvariantCulture)}" };
        bool learning = LearningPlusArgs(vectorsDir) is { } extra && AddAll(plus, extra);
        if (dictionaryOut is not null)
        {
            if (!learning) throw new ArgumentException("only the learning testbench writes its dictionary", nameof(dictionaryOut));
            if (File.Exists(dictionaryOut)) File.Delete(dictionaryOut);   // a stale file must not pass for this run's
            plus.Add("+dict_out=" + Path.GetFullPath(dictionaryOut));
        }
        ToolResult Run(IEnumerable<string> args) => sim == HdlSimulator.Icarus
            ? ToolRunner.Run("vvp", new[] { "-n", exe }.Concat(args), vectorsDir, cancel)
            : ToolRunner.Run(exe, args, vectorsDir, cancel);
        string name = sim == HdlSimulator.Icarus ? "icarus" : "verilator";
        SimulationResult result = Parse(name, Run(plus)) with { Learning = learning };
        if (wavesPath is null || result.FirstMismatch is not { } m) return result;
        string vcd = Path.GetFullPath(wavesPath);
        Directory.CreateDirectory(Path.GetDirectoryName(vcd)!);
        string from = Math.Max(0, m.Step - 2).ToString(CultureInfo.InvariantCulture);
        Run(plus.Concat([$"+waves_from={from}", $"+waves={vcd}"]));
        return File.Exists(vcd) ? result with { Waves = vcd } : result;
    }

    /// <summary>
    /// The dictionary words a learning testbench wrote with <c>dictionaryOut</c>: D*K signed WA-bit
    /// words, row-major d*K + k. A missing, short or unreadable file is an <see cref="HdlToolException"/>.
    /// </summary>
    public static short[] ReadDictionary(string path, int d, int k, int dictionaryBits)
    {
        if (!File.Exists(path)) throw new HdlToolException($"the testbench did not write the dictionary file {path}");
        var words = new List<short>(d * k);
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;   // Icarus and Verilator may add address comments
            if (line.StartsWith('@')) throw new HdlToolException($"{path}: unexpected address line '{line}'");
            if (!long.TryParse(line, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long v) || v >> dictionaryBits != 0)
                throw new HdlToolException($"{path}: '{line}' is not a {dictionaryBits}-bit hex word");
            words.Add(unchecked((short)(v << (64 - dictionaryBits) >> (64 - dictionaryBits))));
        }
        if (words.Count != d * k) throw new HdlToolException($"{path}: {words.Count} words, expected D*K = {d * k}");
        return words.ToArray();
    }

    private static bool AddAll(List<string> list, IEnumerable<string> items)
    {
        list.AddRange(items);
        return true;
    }

    /// <summary>The learning testbench's extra plusargs from a learning manifest, or null for inference vectors.</summary>
    private static string[]? LearningPlusArgs(string vectorsDir)
    {
        string path = Path.Combine(vectorsDir, "manifest.json");
        if (TestVectors.ReadManifest(path) is not JsonObject m || m["learning"] is not JsonObject l) return null;
        var r = new JsonFieldReader(path);
        long lseed = (long)r.RequiredNumber(l, "learner_seed", "learning.");
        int writes = r.RequiredInt(l, "dictionary_writes", "learning.");
        if (l["checkpoints"] is not JsonArray { Count: > 0 } cks || cks[0] is not JsonObject first)
            throw InvalidInputException.Field(path, "learning.checkpoints", "expected at least one checkpoint");
        int every = r.RequiredInt(first, "after_steps", "learning.checkpoints[0].");
        int traced = l["traced_steps"] is null ? r.RequiredInt(m, "steps") : r.RequiredInt(l, "traced_steps", "learning.");
        return [$"+lseed={unchecked((int)lseed).ToString("x8", CultureInfo.InvariantCulture)}", $"+ckevery={every.ToString(CultureInfo.InvariantCulture)}",
            $"+writes={writes.ToString(CultureInfo.InvariantCulture)}", $"+traced={traced.ToString(CultureInfo.InvariantCulture)}"];
    }

    /// <summary>
    /// Runs the board top under Icarus with <paramref name="hostBytes"/> on its UART input and
    /// returns the bytes it sends back (the first <paramref name="replyBytes"/> of them). With
    /// <paramref name="holdAt"/>, byte holdAt is sent only after <paramref name="holdFor"/> bytes came
    /// back, as a host does that waits for an answer (the board ignores bytes during a run).
    /// With <paramref name="netlist"/>, the board top is the gate-level netlist yosys synthesises for
    /// the UP5K (<see cref="NetlistBoard"/>) instead of the RTL: same testbench, same bytes.
    /// </summary>
    public byte[] SimulateBoard(string src, byte[] hostBytes, int replyBytes, CancellationToken cancel = default, int holdAt = -1, int holdFor = 0, bool netlist = false)
        => SimulateBoardLog(src, hostBytes, replyBytes, [], cancel, holdAt, holdFor, netlist).Reply;

    /// <summary>
    /// <see cref="SimulateBoard"/> with extra plusargs for the board testbench; also returns its output (the
    /// physical-noise log, ENTROPY.md). The RTL under Icarus by default, or under Verilator (<paramref name="sim"/>: the
    /// same testbench built with --binary --timing, once per source folder); with <paramref name="netlist"/> the gate-level
    /// netlist under Verilator.
    /// </summary>
    public (byte[] Reply, string Stdout) SimulateBoardLog(string src, byte[] hostBytes, int replyBytes, IEnumerable<string> plusargs, CancellationToken cancel = default, int holdAt = -1, int holdFor = 0,
        bool netlist = false, HdlSimulator sim = HdlSimulator.Icarus)
    {
        // the netlist runs under Verilator: Icarus takes yosys's cell models too, but runs the ~7000
        // cells of a learning design at some hundred clocks a second (a 20-step run: most of an hour)
        bool icarus = !netlist && sim == HdlSimulator.Icarus;
        string outDir = Path.Combine(src, netlist ? "verilator-netlist" : icarus ? "icarus-top" : "verilator-top");
        string exe = Path.Combine(outDir, icarus ? "el_top_tb.vvp" : "obj_dir/el_top_tb_sim");
        lock (BuildLocks.GetOrAdd(outDir, _ => new object()))
        {
            if (!File.Exists(exe))
            {
                if (netlist) BuildNetlistBoard(src, outDir, cancel);
                else
                {
                    string tmp = outDir + ".tmp";
                    if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
                    Directory.CreateDirectory(tmp);
                    var files = RtlFiles(src).Concat(HdlGenerator.BoardFiles(src, synthesis: false)).Append(Path.Combine(src, HdlGenerator.BoardTestbench));
                    ToolResult b = icarus
                        ? ToolRunner.Run("iverilog", new[] { "-g2005", "-s", "el_top_tb", "-o", Path.Combine(tmp, "el_top_tb.vvp") }.Concat(files), tmp, cancel)
                        : ToolRunner.Run("verilator", new[] { "--binary", "--timing", "-Wno-fatal", "-Wno-lint", "-Wno-style", "-j", "2",
                            "--top-module", "el_top_tb", "-Mdir", Path.Combine(tmp, "obj_dir"), "-o", "el_top_tb_sim" }.Concat(files), tmp, cancel);
                    if (!b.Ok) throw new HdlToolException($"{sim} board testbench build failed:\n{b.Tail()}");
                    if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
                    Directory.Move(tmp, outDir);
                }
            }
        }
        string run = Path.Combine(outDir, "run-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(run);
        try
        {
            File.WriteAllText(Path.Combine(run, "uart_in.hex"), string.Concat(hostBytes.Select(x => x.ToString("x2", CultureInfo.InvariantCulture) + "\n")));
            string[] args = [$"+bytes={hostBytes.Length}", $"+reply={replyBytes}", $"+hold_at={holdAt}", $"+hold_for={holdFor}", .. plusargs];
            ToolResult r = icarus ? ToolRunner.Run("vvp", new[] { "-n", exe }.Concat(args), run, cancel) : ToolRunner.Run(exe, args, run, cancel);
            var got = Regex.Matches(r.Stdout, @"^RX ([0-9a-f]{2})$", RegexOptions.Multiline | RegexOptions.CultureInvariant)
                .Select(m => Convert.ToByte(m.Groups[1].Value, 16)).ToArray();
            if (!r.Stdout.Contains("DONE ok", StringComparison.Ordinal))
                throw new HdlToolException($"the simulated board answered {got.Length} of {replyBytes} bytes: {r.Tail(5)}");
            return (got, r.Stdout);
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }

    /// <summary>Verilator build of the board testbench on the synthesised netlist (<see cref="NetlistBoard"/>), put in place whole.</summary>
    private static void BuildNetlistBoard(string src, string outDir, CancellationToken cancel)
    {
        var files = NetlistBoard.SimulationFiles(src, NetlistBoard.Synthesize(src, cancel)).Append(Path.Combine(src, HdlGenerator.BoardTestbench));
        string tmp = outDir + ".tmp";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        Directory.CreateDirectory(tmp);
        // cells_sim.v's port defaults (SystemVerilog) are left out: write_verilog connects every port of the cells yosys made
        ToolResult b = ToolRunner.Run("verilator", new[] { "--binary", "--timing", "-Wno-fatal", "-Wno-lint", "-Wno-style", "-DNO_ICE40_DEFAULT_ASSIGNMENTS", "-j", "2",
            "--top-module", "el_top_tb", "-Mdir", Path.Combine(tmp, "obj_dir"), "-o", "el_top_tb_sim" }.Concat(files), tmp, cancel);
        if (!b.Ok) throw new HdlToolException($"netlist testbench build (Verilator) failed:\n{b.Tail()}");
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        Directory.Move(tmp, outDir);
    }

    private static readonly Regex MismatchLine = new(@"MISMATCH step=(\d+) (?:chain=(\d+) )?unit=(\d+) word=(\w+) expected=([0-9a-fA-FxXzZ]+) got=([0-9a-fA-FxXzZ]+)(?: d=(\d+) k=(\d+))?", RegexOptions.CultureInvariant);
    private static readonly Regex PassLine = new(@"RESULT pass steps=(\d+) cycles=(\d+) mac_bound=(\d+) first_step_cycles=(\d+) first_step_bound=(\d+)(?:.* learn_cycles=(\d+) learn_bound=(\d+))?", RegexOptions.CultureInvariant);
    private static readonly Regex AccountLine = new(@"^ACCOUNT ((?:\w+=\d+ ?)+)$", RegexOptions.CultureInvariant | RegexOptions.Multiline);
    private static readonly Regex PairRegex = new(@"(\w+)=(\d+)", RegexOptions.CultureInvariant);
    private static readonly Regex ErrorLine = new(@"RESULT error=""([^""]*)""", RegexOptions.CultureInvariant);

    public static SimulationResult Parse(string simulator, ToolResult r)
    {
        string text = r.Stdout;
        if (PassLine.Match(text) is { Success: true } p)
            return new SimulationResult(simulator, true, null, null, I(p, 1), L(p, 2), L(p, 3), L(p, 4), L(p, 5))
            {
                LearnCycles = p.Groups[6].Success ? L(p, 6) : null,
                LearnBound = p.Groups[7].Success ? L(p, 7) : null,
                CycleAccount = AccountLine.Match(text) is { Success: true } a
                    ? PairRegex.Matches(a.Groups[1].Value).Select(x => KeyValuePair.Create(x.Groups[1].Value, long.Parse(x.Groups[2].Value, CultureInfo.InvariantCulture))).ToList()
                    : null,
            };
        if (MismatchLine.Match(text) is { Success: true } m)
            return new SimulationResult(simulator, false, null, new Mismatch(I(m, 1), I(m, 3), m.Groups[4].Value, m.Groups[5].Value, m.Groups[6].Value,
                m.Groups[2].Success ? I(m, 2) : 0, m.Groups[7].Success ? (I(m, 7), I(m, 8)) : null), 0, 0, 0, 0, 0);
        string error = ErrorLine.Match(text) is { Success: true } e ? e.Groups[1].Value : $"no RESULT line (exit code {r.ExitCode}): {r.Tail(5)}";
        return new SimulationResult(simulator, false, error, null, 0, 0, 0, 0, 0);
    }

    private static int I(Match m, int g) => int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
    private static long L(Match m, int g) => long.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);

    /// <summary>
    /// Checks that a vector folder was made for this datapath (sizes, variant, order, formats,
    /// parameters); returns the steps and the generator seed from its manifest.
    /// </summary>
    public static (int Steps, int GeneratorSeed) CheckVectors(DatapathModel model, string vectorsDir)
    {
        string path = Path.Combine(vectorsDir, "manifest.json");
        if (!File.Exists(path)) throw new InvalidInputException($"{vectorsDir}: no manifest.json (write vectors with 'edgelangevin vectors')");
        TestVectors.CheckFiles(vectorsDir);   // a truncated or altered file is named here, not reported as an RTL mismatch
        JsonObject m = TestVectors.ReadManifest(path);
        var r = new JsonFieldReader(path);
        void Same(string field, long expected, long actual)
        {
            if (expected != actual) throw InvalidInputException.Field(path, field, $"the vectors have {actual} but the generated hardware has {expected}; regenerate the vectors or the hardware with the same model and config");
        }
        FixedFormat f = model.Format;
        StepParameters s = model.Step;
        Same("K", model.K, r.RequiredInt(m, "K"));
        Same("D", model.D, r.RequiredInt(m, "D"));
        Same("order", s.Order, r.RequiredInt(m, "order"));
        string variant = r.RequiredString(m, "variant");
        Same("variant (1 = nonnegative)", s.Variant == FixedVariant.NonNegative ? 1 : 0, variant == "nonnegative" ? 1 : 0);
        if (m["formats"] is not JsonObject fm) throw InvalidInputException.Field(path, "formats", "missing");
        Same("formats.WA", f.DictionaryBits, r.RequiredInt(fm, "WA", "formats.")); Same("formats.FA", f.DictionaryFracBits, r.RequiredInt(fm, "FA", "formats."));
        Same("formats.WS", f.StateBits, r.RequiredInt(fm, "WS", "formats.")); Same("formats.FS", f.StateFracBits, r.RequiredInt(fm, "FS", "formats."));
        Same("formats.WM", f.MacBits, r.RequiredInt(fm, "WM", "formats.")); Same("formats.FM", f.MacFracBits, r.RequiredInt(fm, "FM", "formats."));
        Same("formats.WC", f.CoefficientBits, r.RequiredInt(fm, "WC", "formats.")); Same("formats.FC", f.CoefficientFracBits, r.RequiredInt(fm, "FC", "formats."));
        if (m["params"] is not JsonObject pm) throw InvalidInputException.Field(path, "params", "missing");
        Same("params.u0_q", s.U0, r.RequiredInt(pm, "u0_q", "params."));
        Same("params.leak_q", s.Leak, r.RequiredInt(pm, "leak_q", "params."));
        Same("params.gain_q", s.Gain, r.RequiredInt(pm, "gain_q", "params."));
        Same("params.noise_q", s.NoiseScale, r.RequiredInt(pm, "noise_q", "params."));
        bool learningVectors = m["learning"] is JsonObject;
        if (model.Learning is { } hl)
        {
            if (m["learning"] is not JsonObject lm)
                throw InvalidInputException.Field(path, "learning", "the generated hardware learns but these are inference vectors; write learning vectors with the same config (a \"learning\" section)");
            LearningParameters lp = hl.Parameters;
            Same("learning.chains", hl.Chains, r.RequiredInt(lm, "chains", "learning."));
            Same("learning.data_count", hl.DataCount, r.RequiredInt(lm, "data_count", "learning."));
            Same("learning.data_bits", model.DataBits, r.RequiredInt(lm, "data_bits", "learning."));
            Same("learning.data_shift", f.StateFracBits - f.MacFracBits, r.RequiredInt(lm, "data_shift", "learning."));
            Same("learning.rate_a", lp.DictionaryRate, r.RequiredInt(lm, "rate_a", "learning."));
            Same("learning.shift_a", lp.DictionaryShift, r.RequiredInt(lm, "shift_a", "learning."));
            Same("learning.rate_u0", lp.ThresholdRate, r.RequiredInt(lm, "rate_u0", "learning."));
            Same("learning.shift_u0", lp.ThresholdShift, r.RequiredInt(lm, "shift_u0", "learning."));
            Same("learning.switch_every", lp.SwitchEvery, r.RequiredInt(lm, "switch_every", "learning."));
            Same("learning.switch_probability", lp.SwitchProbability, r.RequiredInt(lm, "switch_probability", "learning."));
            Same("learning.switching (1 = synchronous)", lp.Switching == FixedSwitching.Synchronous ? 1 : 0, r.RequiredString(lm, "switching", "learning.") == "synchronous" ? 1 : 0);
            Same("learning.learn_dictionary", lp.LearnDictionary ? 1 : 0, lm["learn_dictionary"]?.GetValue<bool>() == true ? 1 : 0);
            Same("learning.learn_u0", lp.LearnThreshold ? 1 : 0, lm["learn_u0"]?.GetValue<bool>() == true ? 1 : 0);
        }
        else if (learningVectors)
            throw InvalidInputException.Field(path, "learning", "these are learning vectors but the generated hardware does not learn; add the same \"learning\" section to the hdl config");
        int steps = r.RequiredInt(m, "steps");
        // The simulators run the manifest's step count: one that disagrees with the files would be reported as an RTL mismatch.
        if (steps < 1) throw InvalidInputException.Field(path, "steps", $"expected at least 1 step, got {steps}");
        if (!learningVectors && m["checksums"] is JsonObject sums)
            foreach (string file in new[] { "u.hex", "s.hex" })
                if (sums[file] is JsonObject sum && r.RequiredInt(sum, "words", $"checksums.{file}.") is int words && words != (long)steps * model.K)
                    throw InvalidInputException.Field(path, "steps", $"{steps} steps of K = {model.K} units need {(long)steps * model.K} words in {file}, the manifest lists {words}");
        if (!learningVectors && steps > model.Settings.TbMaxSteps)
            throw InvalidInputException.Field(path, "steps", $"{steps} steps exceed the testbench's capacity hdl.tb_max_steps = {model.Settings.TbMaxSteps}");
        long seed = (long)r.RequiredNumber(m, "seed");
        return (steps, unchecked((int)seed));
    }

    /// <summary>The vector steps <see cref="WriteVectors"/> accepts, checked by the verbs before any work (--steps).</summary>
    public static void CheckVectorSteps(HdlProject project, int steps)
    {
        if (steps < 1) throw InvalidInputException.Field(null, "--steps", $"must be >= 1, got {steps}");
        if (project.Config.Learning is not null && steps > 65535) throw InvalidInputException.Field(null, "--steps", $"a learning testbench run takes at most 65535 steps, got {steps}");
        // The testbench's memories hold tb_max_steps steps: CheckVectors refuses more, but only once the vectors were
        // written (break-21: hdl verify --steps 20000 wrote them into the cache, then blamed the cache's manifest.json)
        int capacity = project.Datapath.Settings.TbMaxSteps;
        if (project.Config.Learning is null && steps > capacity)
            throw InvalidInputException.Field(null, "--steps", $"{steps} steps exceed the testbench's capacity hdl.tb_max_steps = {capacity}; give fewer steps or raise hdl.tb_max_steps (at most 65535) in --config");
    }

    /// <summary>
    /// Writes vectors from the C# core for this project (the same model and settings as the
    /// hardware): with learning, a B-chain learning run on the config's data memory.
    /// </summary>
    public static void WriteVectors(HdlProject project, int steps, int seed, string dir)
    {
        CheckVectorSteps(project, steps);
        using IDisposable cache = AtomicFile.CacheWrites(); // every caller writes them into the work folder
        if (project.Config.Learning is { } learning)
        {
            LearningVectorSet lv = LearningVectors.Generate(project.Model, project.Parameters.Format, project.Config.Inference, learning,
                project.Config.Vectors, steps, seed, project.Source);
            LearningVectors.Write(dir, lv);
            return;
        }
        VectorSet v = TestVectors.Generate(project.Model, project.Parameters.Format, project.Config.Inference, steps, seed, project.Source);
        TestVectors.Write(dir, v);
    }
}

/// <summary>An HDL tool failed (a build error, a crash): the job failed, the input may be fine.</summary>
public sealed class HdlToolException(string message) : Exception(message);
