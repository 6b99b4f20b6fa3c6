using System.Globalization;
using System.Text.Json.Serialization;
using EdgeLangevin.Core.HardwareNoise;
using EdgeLangevin.Reference.Io;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>Where the Langevin noise words come from on the chip.</summary>
public enum NoiseMode
{
    /// <summary>Today's xorshift32 generator, seeded by the host: bit for bit with the C# core (the only mode `hdl verify` checks).</summary>
    Deterministic,
    /// <summary>The same generator, seeded from the entropy source at every run (unless the host sends a seed).</summary>
    Seeded,
    /// <summary>Noise words from conditioned entropy through PhysicalGaussianNoise's integer mapping (el_phys_noise into the core through el_noise_phys); the design also has the other two modes ('N' switches).</summary>
    Physical,
}

/// <summary>What the chip does when a health test fails.</summary>
public enum NoiseFallback
{
    /// <summary>Keep running on the generator's own stream (reported: status command, LED).</summary>
    Generator,
    /// <summary>Refuse to start runs until the host clears the failure (reported the same way).</summary>
    Halt,
}

/// <summary>
/// Section "hdl.entropy" of a --config file: the ring-oscillator entropy source and its health
/// tests (hdl-templates/ENTROPY.md). Off by default: then the design is exactly today's.
/// {"enabled": true, "noise_mode": "seeded", "fallback": "generator", "rings": 8, "stages": 3,
///  "sample_div": 4, "cond_raw": 8, "entropy_eighths": 4}
/// </summary>
public sealed record EntropySettings
{
    /// <summary>Most LUTs all rings together may take: 10 % of the UP5K's 5280 logic cells.</summary>
    public const int MaxRingLuts = 528;

    public bool Enabled { get; init; }

    /// <summary>The mode after configuration; the host switches with the UART command 'N'.</summary>
    public NoiseMode NoiseMode { get; init; } = NoiseMode.Deterministic;

    public NoiseFallback Fallback { get; init; } = NoiseFallback.Generator;

    /// <summary>Ring oscillators XORed into one raw bit (Wold and Tan: each sampled by its own flip-flop first).</summary>
    public int Rings { get; init; } = 8;

    /// <summary>LUTs per ring (one inverter, the rest buffers); 3 or more: a one-LUT ring oscillates too fast for the fabric to carry.</summary>
    public int Stages { get; init; } = 3;

    /// <summary>System clocks per raw bit (more clocks: more accumulated jitter per bit).</summary>
    public int SampleDiv { get; init; } = 4;

    /// <summary>Raw bits per conditioned bit (their parity).</summary>
    public int CondRaw { get; init; } = 8;

    /// <summary>Claimed min-entropy per raw bit, eighths of a bit (1 to 8); sets the health-test cutoffs.</summary>
    public int EntropyEighths { get; init; } = 4;

    /// <summary>Optional: the RCT cutoff the user expects; must equal SP 800-90B's for EntropyEighths (0: not given).</summary>
    public int RctCutoff { get; init; }

    /// <summary>Optional: the APT cutoff the user expects (window 1024); must equal SP 800-90B's for EntropyEighths (0: not given).</summary>
    public int AptCutoff { get; init; }

    /// <summary>Limit of |lag-1 correlation| per window of 512 raw bits, Q1.15.</summary>
    public int MaxLag1Q15 { get; init; } = NoiseHealthMonitor.DefaultMaxLag1CorrelationQ15;

    /// <summary>The health tests these settings configure (1-bit raw samples).</summary>
    [JsonIgnore]
    public HealthTestSpec Health => new(1, EntropyEighths, MaxLag1Q15);

    /// <summary>
    /// Claimed min-entropy of one conditioned bit, by the piling-up lemma for independent raw bits:
    /// each raw bit has P(more likely value) at most p = 2^-H, so the parity of n of them has bias at
    /// most (2p - 1)^n / 2 and min-entropy -log2(1/2 + (2p - 1)^n / 2). Independence is what the
    /// lag-1 correlation test watches; it is an assumption, not a proof (ENTROPY.md).
    /// </summary>
    [JsonIgnore]
    public double ConditionedEntropyPerBit
    {
        get
        {
            double p = Math.Pow(2, -EntropyEighths / 8.0);
            return -Math.Log2(0.5 + 0.5 * Math.Pow(2 * p - 1, CondRaw));
        }
    }

    /// <summary>Least claimed min-entropy per conditioned bit the seeded and physical modes accept.</summary>
    public const double MinConditionedEntropy = 0.99;

    /// <summary>Conditioned bits per second at <paramref name="clockMhz"/> when no correlation window stalls the sampler (it does for about 20 of every 512 raw bits).</summary>
    public double ConditionedBitsPerSecond(double clockMhz) => clockMhz * 1e6 / SampleDiv / CondRaw;

    public void Validate(string? file)
    {
        string F(string name) => "hdl.entropy." + name;
        if (!Enum.IsDefined(NoiseMode)) throw InvalidInputException.Field(file, F("noise_mode"), "expected \"deterministic\", \"seeded\" or \"physical\"");
        if (!Enum.IsDefined(Fallback)) throw InvalidInputException.Field(file, F("fallback"), "expected \"generator\" or \"halt\"");
        if (!Enabled && NoiseMode != NoiseMode.Deterministic)
            throw InvalidInputException.Field(file, F("noise_mode"), $"\"{Snake(NoiseMode)}\" needs the entropy source: set hdl.entropy.enabled to true");
        if (Stages < 3 || Stages > 31) throw InvalidInputException.Field(file, F("stages"), $"expected 3 to 31 LUTs per ring (a shorter ring runs faster than the iCE40 fabric can carry a clean signal), got {Stages}");
        if (Rings < 1 || Rings * Stages > MaxRingLuts)
            throw InvalidInputException.Field(file, F("rings"), $"{Rings} rings of {Stages} LUTs need {Rings * Stages} logic cells; the UP5K budget for the entropy source is 1 to {MaxRingLuts} ring LUTs (10 % of its 5280 cells)");
        if (SampleDiv < 1 || SampleDiv > 255) throw InvalidInputException.Field(file, F("sample_div"), $"expected 1 to 255 clocks per raw bit (the sampler's 8-bit divider; a raw bit cannot come faster than the clock), got {SampleDiv}");
        if (CondRaw < 1 || CondRaw > 255) throw InvalidInputException.Field(file, F("cond_raw"), $"expected 1 to 255 raw bits per conditioned bit, got {CondRaw}");
        if (EntropyEighths < 1 || EntropyEighths > 8) throw InvalidInputException.Field(file, F("entropy_eighths"), $"a raw bit holds 1 to 8 eighths of a bit of min-entropy, got {EntropyEighths}");
        if (MaxLag1Q15 < 1 || MaxLag1Q15 > 32767) throw InvalidInputException.Field(file, F("max_lag1_q15"), $"expected 1 to 32767 (Q1.15), got {MaxLag1Q15}");
        HealthTestSpec h = Health;
        if (RctCutoff != 0 && RctCutoff != h.RepetitionCutoff)
            throw InvalidInputException.Field(file, F("rct_cutoff"), $"{RctCutoff} is inconsistent with the claimed min-entropy {EntropyEighths}/8 bit: SP 800-90B 4.4.1 gives 1 + ceil(20 / H) = {h.RepetitionCutoff} for alpha = 2^-20");
        if (AptCutoff != 0 && AptCutoff != h.ProportionCutoff)
            throw InvalidInputException.Field(file, F("apt_cutoff"), $"{AptCutoff} is inconsistent with the claimed min-entropy {EntropyEighths}/8 bit: SP 800-90B 4.4.2 gives {h.ProportionCutoff} of {h.ProportionWindow} for alpha = 2^-20");
        if (NoiseMode != NoiseMode.Deterministic && ConditionedEntropyPerBit < MinConditionedEntropy)
            throw InvalidInputException.Field(file, F("cond_raw"), string.Create(CultureInfo.InvariantCulture,
                $"{CondRaw} raw bits of {EntropyEighths}/8 bit give {ConditionedEntropyPerBit:0.0000} bit per conditioned bit, below the {MinConditionedEntropy} the {Snake(NoiseMode)} mode needs; raise cond_raw"));
    }

    /// <summary>`hdl verify` compares every noise word with the C# core: only the deterministic mode can match.</summary>
    public void RequireVerifiable(string? file)
    {
        if (NoiseMode != NoiseMode.Deterministic)
            throw InvalidInputException.Field(file, "hdl.entropy.noise_mode", $"\"{Snake(NoiseMode)}\" noise cannot be verified word for word (its seeds or words come from the ring oscillators); verify with \"noise_mode\": \"deterministic\" (the same hardware: the mode is switchable at run time over the UART with 'N')");
    }

    /// <summary>The mode as the config file and the JSON outputs spell it.</summary>
    public static string Snake(NoiseMode m) => m switch { NoiseMode.Seeded => "seeded", NoiseMode.Physical => "physical", _ => "deterministic" };
}
