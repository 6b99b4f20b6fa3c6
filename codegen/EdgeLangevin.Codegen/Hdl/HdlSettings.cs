using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeLangevin.Core;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;
using EdgeLangevin.Reference.Settings;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>Where the dictionary lives on the FPGA.</summary>
public enum DictionaryMemory
{
    /// <summary>Block RAM when the whole design's block RAM estimate fits the device, else SPRAM.</summary>
    Auto,
    /// <summary>Block RAM (SB_RAM40_4K on iCE40).</summary>
    Bram,
    /// <summary>Single-port RAM (SB_SPRAM256KA on the UltraPlus), one per lane.</summary>
    Spram,
}

/// <summary>
/// The hardware half of a --config file, section "hdl" (snake_case, unknown fields rejected):
/// {"lanes": 4, "dictionary_memory": "auto", "clock_mhz": 48, "baud": 115200,
///  "format": "A=16.13,S=32.16,M=16.11,C=16.14", "tb_max_steps": 4096}.
/// </summary>
public sealed record HdlSettings
{
    /// <summary>Parallel MAC lanes (1, 2 or 4 on the UP5K: one SB_MAC16 and one SPRAM each); must divide D.</summary>
    public int Lanes { get; init; } = 4;

    public DictionaryMemory DictionaryMemory { get; init; } = DictionaryMemory.Auto;

    /// <summary>Clock the iCEBreaker's PLL makes from its 12 MHz oscillator, and the timing target.</summary>
    public double ClockMhz { get; init; } = 48;

    /// <summary>UART speed of the board link (8N1).</summary>
    public int Baud { get; init; } = 115200;

    /// <summary>Number formats (the --format syntax of the simulator); empty: FIXED_POINT.md's defaults.</summary>
    public string Format { get; init; } = "";

    /// <summary>Longest vector run the generated testbench can hold.</summary>
    public int TbMaxSteps { get; init; } = 4096;

    /// <summary>The ring-oscillator entropy source and its health tests (off by default; EntropySettings).</summary>
    public EntropySettings Entropy { get; init; } = new();

    public void Validate(string? file)
    {
        if (Lanes is not (1 or 2 or 4 or 8)) throw InvalidInputException.Field(file, "hdl.lanes", $"expected 1, 2, 4 or 8 (a power of two: the lanes are summed by an adder tree), got {Lanes}");
        if (!Enum.IsDefined(DictionaryMemory)) throw InvalidInputException.Field(file, "hdl.dictionary_memory", "expected \"auto\", \"bram\" or \"spram\"");
        if (!(ClockMhz >= 12 && ClockMhz <= 200)) throw InvalidInputException.Field(file, "hdl.clock_mhz", $"expected 12 to 200 MHz, got {ClockMhz.ToString(CultureInfo.InvariantCulture)}");
        if (Baud < 1200 || Baud > 3_000_000) throw InvalidInputException.Field(file, "hdl.baud", $"expected 1200 to 3000000, got {Baud}");
        if (TbMaxSteps < 1 || TbMaxSteps > 65535) throw InvalidInputException.Field(file, "hdl.tb_max_steps", $"expected 1 to 65535, got {TbMaxSteps}");
        if (Entropy is null) throw InvalidInputException.Field(file, "hdl.entropy", "expected an object");
        Entropy.Validate(file);
        FormatSpec.Parse(Format, file, "hdl.format"); // a bad format is the config's error, named here, not a later --format one
    }

    public FixedFormat FixedFormat() => FormatSpec.Parse(Format);
}

/// <summary>
/// A whole --config file for the hdl verbs: {"inference": {...}, "hdl": {...}, "vectors": {...},
/// "learning": {...}}, every section optional. "inference" sets eps, T and the order
/// (InferenceSettings); "vectors" describes the problem used when no --model is given and, with
/// learning, the data memory (VectorSettings); "learning" (LearningSettings: batch = chains,
/// tau_x, tau_a, learn_pi, tau_u0, switching) puts learning into the hardware.
/// </summary>
public sealed record HdlConfig
{
    public InferenceSettings Inference { get; init; } = InferenceSettings.Default;
    public HdlSettings Hdl { get; init; } = new();
    public VectorSettings Vectors { get; init; } = Up5kProblem;
    /// <summary>Learning in the hardware (null: inference only, one chain).</summary>
    public LearningSettings? Learning { get; init; }

    /// <summary>
    /// The problem the hdl verbs use without --model and without a "vectors" section: the UP5K
    /// target, K = 128, D = 64, non-negative (codegen/examples/k128d64-up5k.json). A toy K = 4
    /// design is a poor default: its tiny memories map to logic, it fills 92 % of the UP5K's
    /// cells and nextpnr cannot place it.
    /// </summary>
    public static VectorSettings Up5kProblem { get; } = new() { K = 128, D = 64, Variant = Variant.NonNegative };

    public static HdlConfig Default { get; } = new();

    public static HdlConfig Read(string? path)
    {
        if (path is null) return Default;
        return Parse(JsonFieldReader.ReadFileText(path, "config file"), path);
    }

    public static HdlConfig Parse(string json, string? path)
    {
        // The readers' one parse (JsonFieldReader): a repeated section or field is an error naming the file (JsonNode.Parse
        // alone let it through to a .NET "An item with the same key has already been added"), syntax errors with line and column.
        JsonObject obj = JsonFieldReader.ParseObject(json, path ?? "config", "a JSON object with \"inference\", \"hdl\", \"vectors\" and/or \"learning\" sections");
        foreach (var kv in obj)
            if (kv.Key is not ("inference" or "hdl" or "vectors" or "learning"))
                throw InvalidInputException.Field(path, kv.Key, "unknown section; expected \"inference\", \"hdl\", \"vectors\" or \"learning\"");
        InferenceSettings inference = obj["inference"] is JsonNode i ? InferenceSettings.FromJson(i, path, "inference") : InferenceSettings.Default;
        var config = new HdlConfig
        {
            Inference = inference,
            Learning = obj["learning"] is JsonNode l ? LearningSettings.FromJson(l, inference, path, "learning") : null,
            Hdl = obj["hdl"] is JsonNode h ? SettingsJson.Parse<HdlSettings>(h, path, (s, f) => s.Validate(f), "hdl") : new HdlSettings(),
            Vectors = obj["vectors"] is JsonNode v ? SettingsJson.Parse<VectorSettings>(v, path, (s, f) => s.Validate(f), "vectors") : Up5kProblem,
        };
        VectorSettings.RefuseLearningOnlyFields(obj["vectors"], obj.ContainsKey("learning"), path);
        return config;
    }
}
