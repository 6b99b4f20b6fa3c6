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

/// <summary>The first word where the RTL and the C# core disagree.</summary>
public sealed record Mismatch(int Step, int Unit, string Word, string Expected, string Got)
{
    public override string ToString() => $"step {Step}, unit {Unit}, word {Word}: expected {Expected}, got {Got}";
}

/// <summary>One simulator's verdict on one vector set.</summary>
public sealed record SimulationResult(string Simulator, bool Passed, string? Error, Mismatch? FirstMismatch,
    int Steps, long Cycles, long MacBound, long FirstStepCycles, long FirstStepBound)
{
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
        return string.Create(CultureInfo.InvariantCulture,
            $"{Simulator}: pass ({Steps} steps, every noise word, u and s word equal); cycles/step {SteadyCyclesPerStep:0.0} vs MAC bound {SteadyMacBoundPerStep:0.0} ({100 * OverheadFraction:+0.0;-0.0} %)");
    }

    public JsonObject ToJson() => new()
    {
        ["simulator"] = Simulator, ["passed"] = Passed, ["error"] = Error,
        ["first_mismatch"] = FirstMismatch is null ? null : new JsonObject
        {
            ["step"] = FirstMismatch.Step, ["unit"] = FirstMismatch.Unit, ["word"] = FirstMismatch.Word,
            ["expected"] = FirstMismatch.Expected, ["got"] = FirstMismatch.Got,
        },
        ["steps"] = Steps, ["cycles"] = Cycles, ["mac_bound"] = MacBound,
        ["cycles_per_step"] = Round(SteadyCyclesPerStep), ["mac_bound_per_step"] = Round(SteadyMacBoundPerStep),
        ["overhead_fraction"] = double.IsFinite(OverheadFraction) ? Round(OverheadFraction) : null,
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
                : ToolRunner.Run("verilator", new[] { "--binary", "--timing", "-Wno-fatal", "-Wno-lint", "-Wno-style", "-j", "2",
                    "--top-module", "el_tb", "-Mdir", Path.Combine(tmp, "obj_dir"), "-o", "el_tb_sim" }.Concat(files), tmp, cancel);
            if (!r.Ok) throw new HdlToolException($"{sim} build failed:\n{r.Tail()}");
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
            Directory.Move(tmp, outDir);
            return exe;
        }
    }

    /// <summary>Runs the built testbench in <paramref name="vectorsDir"/> and parses its RESULT line.</summary>
    public SimulationResult Simulate(string src, HdlSimulator sim, string vectorsDir, int steps, int generatorSeed, CancellationToken cancel = default)
    {
        string exe = Build(src, sim, cancel);
        string[] plus = [$"+steps={steps.ToString(CultureInfo.InvariantCulture)}", $"+seed={generatorSeed.ToString("x8", CultureInfo.InvariantCulture)}"];
        ToolResult r = sim == HdlSimulator.Icarus
            ? ToolRunner.Run("vvp", new[] { "-n", exe }.Concat(plus), vectorsDir, cancel)
            : ToolRunner.Run(exe, plus, vectorsDir, cancel);
        return Parse(sim == HdlSimulator.Icarus ? "icarus" : "verilator", r);
    }

    /// <summary>
    /// Runs the board top under Icarus with <paramref name="hostBytes"/> on its UART input and
    /// returns the bytes it sends back (the first <paramref name="replyBytes"/> of them).
    /// </summary>
    public byte[] SimulateBoard(string src, byte[] hostBytes, int replyBytes, CancellationToken cancel = default)
    {
        string outDir = Path.Combine(src, "icarus-top");
        string vvp = Path.Combine(outDir, "el_top_tb.vvp");
        lock (BuildLocks.GetOrAdd(outDir, _ => new object()))
        {
            if (!File.Exists(vvp))
            {
                Directory.CreateDirectory(outDir);
                var files = RtlFiles(src).Concat(HdlGenerator.BoardFiles(src, synthesis: false)).Append(Path.Combine(src, HdlGenerator.BoardTestbench));
                ToolResult b = ToolRunner.Run("iverilog", new[] { "-g2005", "-s", "el_top_tb", "-o", vvp + ".tmp" }.Concat(files), outDir, cancel);
                if (!b.Ok) throw new HdlToolException($"board testbench build failed:\n{b.Tail()}");
                File.Move(vvp + ".tmp", vvp, overwrite: true);
            }
        }
        string run = Path.Combine(outDir, "run-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(run);
        try
        {
            File.WriteAllText(Path.Combine(run, "uart_in.hex"), string.Concat(hostBytes.Select(x => x.ToString("x2", CultureInfo.InvariantCulture) + "\n")));
            ToolResult r = ToolRunner.Run("vvp", ["-n", vvp, $"+bytes={hostBytes.Length}", $"+reply={replyBytes}"], run, cancel);
            var got = Regex.Matches(r.Stdout, @"^RX ([0-9a-f]{2})$", RegexOptions.Multiline | RegexOptions.CultureInvariant)
                .Select(m => Convert.ToByte(m.Groups[1].Value, 16)).ToArray();
            if (!r.Stdout.Contains("DONE ok", StringComparison.Ordinal))
                throw new HdlToolException($"the simulated board answered {got.Length} of {replyBytes} bytes: {r.Tail(5)}");
            return got;
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }

    private static readonly Regex MismatchLine = new(@"MISMATCH step=(\d+) unit=(\d+) word=(\w+) expected=([0-9a-fA-FxXzZ]+) got=([0-9a-fA-FxXzZ]+)", RegexOptions.CultureInvariant);
    private static readonly Regex PassLine = new(@"RESULT pass steps=(\d+) cycles=(\d+) mac_bound=(\d+) first_step_cycles=(\d+) first_step_bound=(\d+)", RegexOptions.CultureInvariant);
    private static readonly Regex ErrorLine = new(@"RESULT error=""([^""]*)""", RegexOptions.CultureInvariant);

    public static SimulationResult Parse(string simulator, ToolResult r)
    {
        string text = r.Stdout;
        if (PassLine.Match(text) is { Success: true } p)
            return new SimulationResult(simulator, true, null, null, I(p, 1), L(p, 2), L(p, 3), L(p, 4), L(p, 5));
        if (MismatchLine.Match(text) is { Success: true } m)
            return new SimulationResult(simulator, false, null, new Mismatch(I(m, 1), I(m, 2), m.Groups[3].Value, m.Groups[4].Value, m.Groups[5].Value), 0, 0, 0, 0, 0);
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
        JsonObject m = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidInputException($"{path}: expected a JSON object");
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
        int steps = r.RequiredInt(m, "steps");
        if (steps > model.Settings.TbMaxSteps)
            throw InvalidInputException.Field(path, "steps", $"{steps} steps exceed the testbench's capacity hdl.tb_max_steps = {model.Settings.TbMaxSteps}");
        long seed = (long)r.RequiredNumber(m, "seed");
        return (steps, unchecked((int)seed));
    }

    /// <summary>Writes vectors from the C# core for this project (the same model and settings as the hardware).</summary>
    public static VectorSet WriteVectors(HdlProject project, int steps, int seed, string dir)
    {
        VectorSet v = TestVectors.Generate(project.Model, project.Parameters.Format, project.Config.Inference, steps, seed, project.Source);
        TestVectors.Write(dir, v);
        return v;
    }
}

/// <summary>An HDL tool failed (a build error, a crash): the job failed, the input may be fine.</summary>
public sealed class HdlToolException(string message) : Exception(message);
