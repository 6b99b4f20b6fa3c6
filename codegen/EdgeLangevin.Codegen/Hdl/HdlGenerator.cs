using System.Text;
using System.Text.Json;
using EdgeLangevin.Codegen.Templates;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Simulator;

namespace EdgeLangevin.Codegen.Hdl;

/// <summary>One generated file: its path relative to the output folder and its text (LF endings).</summary>
public sealed record GeneratedFile(string Path, string Text);

/// <summary>
/// Renders the datapath, the testbench, the board top and the memory images from a
/// <see cref="DatapathModel"/>. Output is a pure function of the model: no timestamps, no
/// machine names, LF endings, so generating twice gives the same bytes.
/// </summary>
public sealed class HdlGenerator
{
    /// <summary>RTL files of the datapath, in dependency order (what simulators and yosys read).</summary>
    public static readonly string[] CoreRtl = ["rtl/el_arith.v", "rtl/el_ram.v", "rtl/el_noise.v", "rtl/el_mac.v", "rtl/el_core.v"];
    /// <summary>RTL of the iCEBreaker board top (UART link), on top of <see cref="CoreRtl"/>.</summary>
    public static readonly string[] BoardRtl = ["board/el_uart.v", "board/el_top_icebreaker.v"];
    /// <summary>The entropy source's RTL (only when hdl.entropy.enabled): health tests, sampler and conditioner, the board commands.</summary>
    public static readonly string[] EntropyRtl = ["rtl/el_health.v", "rtl/el_entropy.v", "board/el_entropy_ctl.v"];
    /// <summary>The rings for synthesis (SB_LUT4 primitives) and their behavioural model for simulators: the same module el_ro.</summary>
    public const string RingsForSynthesis = "board/el_ro_ice40.v";
    public const string RingsForSimulation = "sim/el_ro_model.v";
    public const string Testbench = "tb/el_tb.v";
    /// <summary>UART-level testbench of the board top (drives uart_in.hex, prints the reply).</summary>
    public const string BoardTestbench = "tb/el_top_tb.v";
    public const string Pcf = "board/icebreaker.pcf";
    public const string LintWaivers = "lint_waivers.vlt";
    /// <summary>Template folder file appended to <see cref="LintWaivers"/> when the design learns.</summary>
    public const string LearningLintWaivers = "lint_waivers_learn.vlt";

    private readonly TemplateRenderer _renderer;

    public HdlGenerator(string? templateDir = null) => _renderer = new TemplateRenderer(templateDir ?? DefaultTemplateDir);

    /// <summary>hdl-templates/ beside the tool (the build copies it there).</summary>
    public static string DefaultTemplateDir => Path.Combine(AppContext.BaseDirectory, "hdl-templates");

    public IReadOnlyList<GeneratedFile> Render(DatapathModel model)
    {
        TemplateValues v = model.Values();
        var files = new List<GeneratedFile>();
        foreach (string path in CoreRtl.Concat(BoardRtl).Append(Testbench).Append(BoardTestbench).Append(Pcf))
            files.Add(new GeneratedFile(path, Lf(_renderer.Render(System.IO.Path.GetFileName(path) + ".sbn", v))));
        if (model.Settings.Entropy.Enabled)
        {
            foreach (string path in EntropyRtl.Append(RingsForSynthesis).Append(RingsForSimulation))
                files.Add(new GeneratedFile(path, Lf(_renderer.Render(System.IO.Path.GetFileName(path) + ".sbn", v.Entropy))));
        }
        // the learning design's own waivers follow the common ones (an inference design's file is unchanged by learning)
        string waivers = File.ReadAllText(System.IO.Path.Combine(_renderer.TemplateDir, LintWaivers));
        if (model.Learning is not null) waivers += File.ReadAllText(System.IO.Path.Combine(_renderer.TemplateDir, LearningLintWaivers));
        files.Add(new GeneratedFile(LintWaivers, Lf(waivers)));
        files.Add(new GeneratedFile("mem/dictionary.hex", DictionaryHex(model)));
        files.Add(new GeneratedFile("config.json", ConfigText(model)));
        return files;
    }

    /// <summary>
    /// The board-level RTL of a generated folder: <see cref="BoardRtl"/>, plus the entropy source when
    /// it was generated, with the rings for synthesis or their simulation model.
    /// </summary>
    public static IEnumerable<string> BoardFiles(string src, bool synthesis)
    {
        bool entropy = HasEntropySource(src);
        IEnumerable<string> rel = entropy
            ? EntropyRtl.Append(synthesis ? RingsForSynthesis : RingsForSimulation).Concat(BoardRtl)
            : BoardRtl;
        return rel.Select(f => System.IO.Path.Combine(src, f));
    }

    /// <summary>Whether the generated folder <paramref name="src"/> holds the entropy source.</summary>
    public static bool HasEntropySource(string src) => File.Exists(System.IO.Path.Combine(src, EntropyRtl[^1]));

    /// <summary>Renders and writes the folder atomically (all files or none).</summary>
    public IReadOnlyList<GeneratedFile> Write(DatapathModel model, string directory)
    {
        IReadOnlyList<GeneratedFile> files = Render(model);
        AtomicFile.WriteDirectory(directory, dir => WriteFiles(files, dir));
        return files;
    }

    /// <summary>Writes <paramref name="files"/> under <paramref name="dir"/> (not atomic: callers wrap it in AtomicFile.WriteDirectory).</summary>
    public static void WriteFiles(IEnumerable<GeneratedFile> files, string dir)
    {
        foreach (GeneratedFile f in files)
        {
            string full = System.IO.Path.Combine(dir, f.Path);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllText(full, f.Text, new UTF8Encoding(false));
        }
    }

    /// <summary>A_q row-major (index d*K + k), WA-bit two's complement words, the vectors' format.</summary>
    public static string DictionaryHex(DatapathModel model)
    {
        var sb = new StringBuilder();
        foreach (short a in model.Parameters.DictionaryRowMajor) sb.Append(TestVectors.Hex(a, model.Format.DictionaryBits)).Append('\n');
        return sb.ToString();
    }

    private static string ConfigText(DatapathModel model)
    {
        var obj = new System.Text.Json.Nodes.JsonObject
        {
            ["generator"] = "EdgeLangevin.Codegen " + DatapathModel.GeneratorVersion,
            ["config_hash"] = model.ConfigHash,
            ["config"] = model.ConfigJson.DeepClone(),
            ["estimate"] = new System.Text.Json.Nodes.JsonObject
            {
                ["bram"] = model.BramEstimate, ["spram"] = model.SpramEstimate, ["dsp"] = model.DspEstimate,
            },
        };
        return obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).Replace("\r\n", "\n") + "\n";
    }

    private static string Lf(string s) => s.Replace("\r\n", "\n");
}
