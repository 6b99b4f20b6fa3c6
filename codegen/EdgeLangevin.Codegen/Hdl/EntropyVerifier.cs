using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using EdgeLangevin.Codegen.Templates;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>A fault injected into the sampled raw bits (el_entropy's i_fault_mode).</summary>
public enum EntropyFault { None = 0, Stuck = 1, Biased = 2, Correlated = 3 }

/// <summary>One simulated run of the entropy source: the raw bits the health tests took, their events, the conditioner's output and the physical noise words made from it (el_phys_noise).</summary>
public sealed record EntropyRun(int[] RawBits, HealthRun Health, int ConditionedBits, bool SeedValid, uint Seed, int[] PhysicalWords);

/// <summary>
/// Simulates el_entropy with the behavioural rings (el_ro_model) under Icarus or Verilator,
/// injecting a fault from a given raw bit on, and reads back every raw bit the health tests took,
/// so the C# NoiseHealthMonitor can be replayed on exactly the same bits.
/// </summary>
public sealed class EntropyVerifier
{
    private static readonly ConcurrentDictionary<string, object> BuildLocks = new();
    private readonly string _workRoot;
    private readonly TemplateRenderer _renderer;

    public EntropyVerifier(string workRoot, string? templateDir = null)
    {
        _workRoot = Path.GetFullPath(workRoot);
        _renderer = new TemplateRenderer(templateDir ?? HdlGenerator.DefaultTemplateDir);
        Directory.CreateDirectory(_workRoot);
    }

    private static readonly string[] Rtl = ["rtl/el_health.v", "sim/el_ro_model.v", "rtl/el_entropy.v", "tb/el_entropy_tb.v"];

    public string Sources(EntropySettings settings)
    {
        var values = new EntropyTemplateValues(settings.Health, 0, settings);
        var files = Rtl.Select(f => new GeneratedFile(f, _renderer.Render(Path.GetFileName(f) + ".sbn", values))).ToList();
        return EntropyTemplateValues.WriteCached(_workRoot, "entropy", files, BuildLocks);
    }

    public string Build(string src, HdlSimulator sim, CancellationToken cancel = default)
    {
        string outDir = Path.Combine(src, sim == HdlSimulator.Icarus ? "icarus" : "verilator");
        string exe = Path.Combine(outDir, sim == HdlSimulator.Icarus ? "el_entropy_tb.vvp" : "obj_dir/el_entropy_tb_sim");
        lock (BuildLocks.GetOrAdd(outDir, _ => new object()))
        {
            if (File.Exists(exe)) return exe;
            string tmp = outDir + ".tmp";
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            Directory.CreateDirectory(tmp);
            var files = Rtl.Select(f => Path.Combine(src, f));
            ToolResult r = sim == HdlSimulator.Icarus
                ? ToolRunner.Run("iverilog", new[] { "-g2005", "-s", "el_entropy_tb", "-o", Path.Combine(tmp, "el_entropy_tb.vvp") }.Concat(files), tmp, cancel)
                : ToolRunner.Run("verilator", new[] { "--binary", "--timing", "-Wno-fatal", "-Wno-lint", "-Wno-style", "-j", "2",
                    "--top-module", "el_entropy_tb", "-Mdir", Path.Combine(tmp, "obj_dir"), "-o", "el_entropy_tb_sim" }.Concat(files), tmp, cancel);
            if (!r.Ok) throw new HdlToolException($"{sim} build of the entropy-source bench failed:\n{r.Tail()}");
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
            Directory.Move(tmp, outDir);
            return exe;
        }
    }

    /// <summary>Runs the source for <paramref name="rawBits"/> raw bits with <paramref name="fault"/> from raw bit <paramref name="faultAt"/> on (it stops at the first failure).</summary>
    public EntropyRun Simulate(EntropySettings settings, HdlSimulator sim, int rawBits, EntropyFault fault = EntropyFault.None, int faultAt = 0, CancellationToken cancel = default)
    {
        string src = Sources(settings);
        string exe = Build(src, sim, cancel);
        string run = Path.Combine(src, "run-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(run);
        try
        {
            string[] plus = [$"+n={rawBits.ToString(CultureInfo.InvariantCulture)}", $"+fault={(int)fault}", $"+at={faultAt.ToString(CultureInfo.InvariantCulture)}"];
            ToolResult r = sim == HdlSimulator.Icarus ? ToolRunner.Run("vvp", new[] { "-n", exe }.Concat(plus), run, cancel) : ToolRunner.Run(exe, plus, run, cancel);
            HealthRun health = HealthTestVerifier.Parse(r);
            Match c = CondLine.Match(r.Stdout);
            if (!c.Success) throw new HdlToolException($"the entropy bench printed no COND line: {r.Tail(5)}");
            int[] raw = ReadInts(Path.Combine(run, "raw.txt"));
            return new EntropyRun(raw, health, int.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture), c.Groups[2].Value == "1",
                uint.Parse(c.Groups[3].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture), ReadInts(Path.Combine(run, "eta.txt")));
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }

    /// <summary>
    /// The C# monitor's events on the run's own raw bits, up to its first failure (the bench stops
    /// there): what the Verilog events must equal.
    /// </summary>
    public static HealthRun Expected(EntropyRun run, EntropySettings settings)
    {
        HealthRun all = HealthTestVerifier.Expected(run.RawBits, settings.Health);
        int firstFail = all.Events.ToList().FindIndex(e => e.Kind == "FAIL");
        var events = firstFail < 0 ? all.Events : all.Events.Take(firstFail + 1).ToList();
        return new HealthRun(events, run.RawBits.Length, firstFail < 0 ? 0 : 1);
    }

    private static int[] ReadInts(string file) =>
        File.ReadLines(file).Where(l => l.Length > 0).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray();

    private static readonly Regex CondLine = new(@"^COND (\d+) SEED (\d) ([0-9a-fA-F]{8}) ONES (\d+)$", RegexOptions.Multiline | RegexOptions.CultureInvariant);
}
