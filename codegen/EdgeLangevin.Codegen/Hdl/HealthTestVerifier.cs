using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EdgeLangevin.Codegen.Templates;
using EdgeLangevin.Core.HardwareNoise;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>
/// The health tests' configuration: sample width, claimed min-entropy, correlation limit; the
/// cutoffs follow from HealthTestCutoffs.cs, the one place they are computed.
/// </summary>
public sealed record HealthTestSpec(int BitsPerSample, int EntropyEighths, int MaxLag1Q15 = NoiseHealthMonitor.DefaultMaxLag1CorrelationQ15)
{
    public int RepetitionCutoff => HealthTestCutoffs.RepetitionCount(EntropyEighths);
    public int ProportionWindow => HealthTestCutoffs.ProportionWindow(BitsPerSample);
    public int ProportionCutoff => HealthTestCutoffs.AdaptiveProportion(EntropyEighths, BitsPerSample);

    /// <summary>The C# monitor for this spec (throws ArgumentOutOfRangeException on an impossible spec).</summary>
    public NoiseHealthMonitor Monitor() => new(BitsPerSample, EntropyEighths, MaxLag1Q15);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{BitsPerSample}-bit samples, H = {EntropyEighths}/8 bit, RCT cutoff {RepetitionCutoff}, APT {ProportionCutoff} of {ProportionWindow}, |lag-1| <= {MaxLag1Q15}/32768");
}

/// <summary>
/// One observable event of the health tests on a stream: a finished correlation window (Kind
/// "WINDOW", Measure = rho in Q1.15) or a failure (Kind "FAIL", Status = NoiseHealthStatus code,
/// Value and Measure = FaultValue and FaultMeasure). N is the 1-based index of the sample at which
/// the event happened (for a failure: the sample count at detection).
/// </summary>
public sealed record HealthEvent(string Kind, long N, int Status, int Value, int Measure)
{
    public override string ToString() => Kind == "WINDOW"
        ? string.Create(CultureInfo.InvariantCulture, $"window ending at sample {N}: rho {Measure}/32768")
        : string.Create(CultureInfo.InvariantCulture, $"{(NoiseHealthStatus)Status} at sample {N} (value {Value}, measure {Measure})");
}

/// <summary>Every event of one run of the health tests over a stream, and the final counts.</summary>
public sealed record HealthRun(IReadOnlyList<HealthEvent> Events, long Samples, int Failures)
{
    public IEnumerable<HealthEvent> FailuresOnly => Events.Where(e => e.Kind == "FAIL");

    /// <summary>The sample count at the first detection, or null when every test passed.</summary>
    public long? FirstDetection => FailuresOnly.Select(e => (long?)e.N).FirstOrDefault();

    /// <summary>The first event where <paramref name="other"/> differs from this run, or null when they are equal.</summary>
    public string? FirstDifference(HealthRun other)
    {
        for (int i = 0; i < Math.Max(Events.Count, other.Events.Count); i++)
        {
            HealthEvent? a = i < Events.Count ? Events[i] : null;
            HealthEvent? b = i < other.Events.Count ? other.Events[i] : null;
            if (a != b) return $"event {i}: expected {a?.ToString() ?? "nothing"}, got {b?.ToString() ?? "nothing"}";
        }
        if (Samples != other.Samples || Failures != other.Failures)
            return $"final counts: expected {Samples} samples and {Failures} failures, got {other.Samples} and {other.Failures}";
        return null;
    }
}

/// <summary>
/// Runs the generated Verilog health tests (hdl-templates/el_health.v.sbn) over a raw sample
/// stream under Icarus or Verilator, and the C# NoiseHealthMonitor over the same stream, with
/// the same rule after each failure (log it, Reset, go on), so the two event lists must be equal.
/// Builds are cached by the hash of the generated sources, like <see cref="HdlVerifier"/>.
/// </summary>
public sealed class HealthTestVerifier
{
    /// <summary>Longest stream the generated bench holds.</summary>
    public const int MaxSamples = 1 << 16;

    private static readonly ConcurrentDictionary<string, object> BuildLocks = new();
    private readonly string _workRoot;
    private readonly TemplateRenderer _renderer;

    public HealthTestVerifier(string workRoot, string? templateDir = null)
    {
        _workRoot = Path.GetFullPath(workRoot);
        _renderer = new TemplateRenderer(templateDir ?? HdlGenerator.DefaultTemplateDir);
        Directory.CreateDirectory(_workRoot);
    }

    /// <summary>The C# monitor's events on <paramref name="samples"/>: the gold the Verilog must match.</summary>
    public static HealthRun Expected(IReadOnlyList<int> samples, HealthTestSpec spec)
    {
        NoiseHealthMonitor m = spec.Monitor();
        var events = new List<HealthEvent>();
        long sinceReset = 0;
        foreach (int s in samples)
        {
            bool ok = m.Feed(s);
            sinceReset++;
            // a correlation window ends on every 512th sample since the last reset that passed RCT and APT
            if (sinceReset % NoiseHealthMonitor.CorrelationWindow == 0 && (ok || m.Status == NoiseHealthStatus.Lag1Correlation))
                events.Add(new HealthEvent("WINDOW", m.SamplesTested, 0, 0, m.LastLag1CorrelationQ15));
            if (!ok)
            {
                events.Add(new HealthEvent("FAIL", m.SamplesTested, (int)m.Status, m.FaultValue, m.FaultMeasure));
                m.Reset();
                sinceReset = 0;
            }
        }
        return new HealthRun(events, m.SamplesTested, m.Failures);
    }

    /// <summary>The generated monitor and bench for <paramref name="spec"/>, written once per content hash.</summary>
    public string Sources(HealthTestSpec spec)
    {
        var values = new EntropyTemplateValues(spec, MaxSamples);
        var files = new List<GeneratedFile>
        {
            new("rtl/el_health.v", _renderer.Render("el_health.v.sbn", values)),
            new("tb/el_health_tb.v", _renderer.Render("el_health_tb.v.sbn", values)),
        };
        return EntropyTemplateValues.WriteCached(_workRoot, "health", files, BuildLocks);
    }

    /// <summary>Compiles the bench for <paramref name="sim"/> once per source folder; returns the executable.</summary>
    public static string Build(string src, HdlSimulator sim, CancellationToken cancel = default)
    {
        string outDir = Path.Combine(src, sim == HdlSimulator.Icarus ? "icarus" : "verilator");
        string exe = Path.Combine(outDir, sim == HdlSimulator.Icarus ? "el_health_tb.vvp" : "obj_dir/el_health_tb_sim");
        lock (BuildLocks.GetOrAdd(outDir, _ => new object()))
        {
            if (File.Exists(exe)) return exe;
            string tmp = outDir + ".tmp";
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            Directory.CreateDirectory(tmp);
            string[] files = [Path.Combine(src, "rtl/el_health.v"), Path.Combine(src, "tb/el_health_tb.v")];
            ToolResult r = sim == HdlSimulator.Icarus
                ? ToolRunner.Run("iverilog", new[] { "-g2005", "-s", "el_health_tb", "-o", Path.Combine(tmp, "el_health_tb.vvp") }.Concat(files), tmp, cancel)
                : ToolRunner.Run("verilator", new[] { "--binary", "--timing", "-Wno-fatal", "-Wno-lint", "-Wno-style", "-j", "2",
                    "--top-module", "el_health_tb", "-Mdir", Path.Combine(tmp, "obj_dir"), "-o", "el_health_tb_sim" }.Concat(files), tmp, cancel);
            if (!r.Ok) throw new HdlToolException($"{sim} build of the health-test bench failed:\n{r.Tail()}");
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
            Directory.Move(tmp, outDir);
            return exe;
        }
    }

    /// <summary>The Verilog monitor's events on <paramref name="samples"/> under <paramref name="sim"/>.</summary>
    public HealthRun Simulate(IReadOnlyList<int> samples, HealthTestSpec spec, HdlSimulator sim, CancellationToken cancel = default)
    {
        if (samples.Count > MaxSamples) throw new InvalidInputException($"{samples.Count} samples exceed the health bench's {MaxSamples}");
        int max = (1 << spec.BitsPerSample) - 1;
        foreach (int s in samples)
            if (s < 0 || s > max) throw new InvalidInputException($"sample {s} is outside 0..{max} for {spec.BitsPerSample}-bit samples");
        string src = Sources(spec);
        string exe = Build(src, sim, cancel);
        string run = Path.Combine(src, "run-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(run);
        try
        {
            var hex = new StringBuilder(samples.Count * 5);
            foreach (int s in samples) hex.Append(s.ToString("x", CultureInfo.InvariantCulture)).Append('\n');
            File.WriteAllText(Path.Combine(run, "samples.hex"), hex.ToString());
            string plus = "+n=" + samples.Count.ToString(CultureInfo.InvariantCulture);
            ToolResult r = sim == HdlSimulator.Icarus
                ? ToolRunner.Run("vvp", ["-n", exe, plus], run, cancel)
                : ToolRunner.Run(exe, [plus], run, cancel);
            return Parse(r);
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }

    private static readonly Regex EventLine = new(@"^(WINDOW n=(\d+) rho=(-?\d+)|FAIL n=(\d+) status=(\d+) value=(\d+) measure=(-?\d+))$", RegexOptions.Multiline | RegexOptions.CultureInvariant);
    private static readonly Regex DoneLine = new(@"^DONE n=(\d+) failures=(\d+) status=(\d+)$", RegexOptions.Multiline | RegexOptions.CultureInvariant);

    public static HealthRun Parse(ToolResult r)
    {
        Match done = DoneLine.Match(r.Stdout);
        if (!done.Success) throw new HdlToolException($"the health-test bench did not finish (exit code {r.ExitCode}): {r.Tail(5)}");
        var events = new List<HealthEvent>();
        foreach (Match m in EventLine.Matches(r.Stdout))
        {
            events.Add(m.Groups[2].Success
                ? new HealthEvent("WINDOW", L(m, 2), 0, 0, I(m, 3))
                : new HealthEvent("FAIL", L(m, 4), I(m, 5), I(m, 6), I(m, 7)));
        }
        return new HealthRun(events, L(done, 1), I(done, 2));
    }

    private static int I(Match m, int g) => int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
    private static long L(Match m, int g) => long.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
}

/// <summary>What the entropy templates (el_health, its bench, el_entropy) read; snake_case in Scriban.</summary>
public sealed class EntropyTemplateValues
{
    public EntropyTemplateValues(HealthTestSpec spec, int maxSamples, EntropySettings? source = null)
    {
        GeneratorVersion = DatapathModel.GeneratorVersion;
        Summary = (source is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $"entropy source: {source.Rings} rings of {source.Stages} LUTs, a raw bit every {source.SampleDiv} clocks, parity of {source.CondRaw} raw bits per conditioned bit; ")) + "health tests: " + spec;
        Enabled = source?.Enabled ?? false;
        Fallback = source?.Fallback == NoiseFallback.Halt ? "halt" : "generator";
        FallbackHalt = source?.Fallback == NoiseFallback.Halt;
        ModeInit = source?.NoiseMode switch { NoiseMode.Seeded => 1, NoiseMode.Physical => 2, _ => 0 };
        Physical = source is { Enabled: true, NoiseMode: NoiseMode.Physical };
        ModeMax = Physical ? 2 : 1;
        Rings = source?.Rings ?? 0;
        Stages = source?.Stages ?? 0;
        SampleDiv = source?.SampleDiv ?? 0;
        CondRaw = source?.CondRaw ?? 0;
        PhysicalNoiseWords.Constants phys = PhysicalNoiseWords.HardwareConstants();
        PhysBits = PhysicalNoiseWords.SampleBits;
        PhysSamples = PhysicalNoiseWords.SamplesPerWord;
        PhysOffset = phys.Offset;
        PhysScaleLog2 = phys.ScaleLog2;
        Bits = spec.BitsPerSample;
        RctCutoff = spec.RepetitionCutoff;
        AptWindow = spec.ProportionWindow;
        AptCutoff = spec.ProportionCutoff;
        MaxLag1Q15 = spec.MaxLag1Q15;
        MaxSamples = maxSamples;
        ConfigHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Summary)));
    }

    public string GeneratorVersion { get; }
    public string ConfigHash { get; }
    public string Summary { get; }
    public int Bits { get; }
    public int RctCutoff { get; }
    public int AptWindow { get; }
    public int AptCutoff { get; }
    public int MaxLag1Q15 { get; }
    public int MaxSamples { get; }
    public bool Enabled { get; }
    public string Fallback { get; }
    public bool FallbackHalt { get; }
    /// <summary>Noise mode after configuration: 0 deterministic, 1 seeded, 2 physical.</summary>
    public int ModeInit { get; }
    /// <summary>The physical mode is generated (el_phys_noise feeds the core through el_noise_phys; 'N' accepts mode 2).</summary>
    public bool Physical { get; }
    /// <summary>Highest mode 'N' accepts: 2 with the physical mode, else 1.</summary>
    public int ModeMax { get; }
    public int Rings { get; }
    public int Stages { get; }
    public int SampleDiv { get; }
    public int CondRaw { get; }
    /// <summary>el_phys_noise's parameters (PhysicalNoiseWords).</summary>
    public int PhysBits { get; }
    public int PhysSamples { get; }
    public int PhysOffset { get; }
    public int PhysScaleLog2 { get; }

    /// <summary>Writes <paramref name="files"/> under work/prefix-hash once (atomically) and returns the folder.</summary>
    internal static string WriteCached(string workRoot, string prefix, IReadOnlyList<GeneratedFile> files, ConcurrentDictionary<string, object> locks)
    {
        var sha = SHA256.Create();
        foreach (GeneratedFile f in files)
        {
            byte[] b = Encoding.UTF8.GetBytes(f.Path + "\0" + f.Text + "\0");
            sha.TransformBlock(b, 0, b.Length, null, 0);
        }
        sha.TransformFinalBlock([], 0, 0);
        string dir = Path.Combine(workRoot, prefix + "-" + Convert.ToHexStringLower(sha.Hash!)[..16]);
        lock (locks.GetOrAdd(dir, _ => new object()))
        {
            if (!Directory.Exists(dir))
                using (AtomicFile.CacheWrites())
                    AtomicFile.WriteDirectory(dir, tmp => HdlGenerator.WriteFiles(files, tmp));
        }
        return dir;
    }
}
