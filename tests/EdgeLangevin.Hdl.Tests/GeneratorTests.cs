using System.Runtime.CompilerServices;
using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Codegen.Templates;
using EdgeLangevin.Reference.Io;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>The generated text: golden files, reproducibility, headers, and the errors for bad input.</summary>
public sealed class GeneratorTests
{
    /// <summary>Set to 1 to rewrite the golden files from the current generator (then review the diff).</summary>
    private const string UpdateVariable = "EDGELANGEVIN_UPDATE_GOLDEN";

    private static string GoldenDir([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "Golden");

    /// <summary>
    /// k8d4-lanes2-signed is an inference design: its files are main's from before learning was
    /// generated (commit 6437d93), so learning must leave every inference design's bytes alone.
    /// k12d8-b3-learning is the learning design (signed, 3 chains, 1 lane, synchronous switching).
    /// </summary>
    [Theory]
    [InlineData("k8d4-lanes2-signed")]
    [InlineData("k12d8-b3-learning")]
    public void Generated_files_match_the_golden_files_byte_for_byte(string name)
    {
        HdlProject p = name == "k8d4-lanes2-signed"
            ? HdlTestConfigs.Project(8, 4, 2, Variant.Signed, seed: 1)
            : HdlTestConfigs.FromConfig(LearningTests.SignedSyncConfig(), 22);
        IReadOnlyList<GeneratedFile> files = new HdlGenerator().Render(p.Datapath);
        string root = Path.Combine(GoldenDir(), name);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
            HdlGenerator.WriteFiles(files, root);
        }
        Assert.True(Directory.Exists(root), $"no golden files at {root}; run once with {UpdateVariable}=1 and review them");
        var expectedPaths = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expectedPaths, files.Select(f => f.Path).Order(StringComparer.Ordinal).ToList());
        foreach (GeneratedFile f in files)
        {
            string expected = File.ReadAllText(Path.Combine(root, f.Path));
            Assert.True(expected == f.Text, $"{f.Path} differs from its golden file (set {UpdateVariable}=1 to accept a deliberate change)");
        }
    }

    /// <summary>
    /// Learning is generated only when it is configured: an inference design of any shape (one
    /// to four lanes, block RAM or SPRAM, either variant) has no chain multiplexing, data memory,
    /// phase L, learner stream or learning board commands (the golden file pins one shape's bytes).
    /// </summary>
    [Theory]
    [InlineData(8, 4, 1, Variant.NonNegative, DictionaryMemory.Auto)]
    [InlineData(16, 8, 2, Variant.Signed, DictionaryMemory.Bram)]
    [InlineData(32, 16, 4, Variant.NonNegative, DictionaryMemory.Spram)]
    public void An_inference_design_contains_none_of_the_learning_hardware(int k, int d, int lanes, Variant variant, DictionaryMemory memory)
    {
        HdlProject p = HdlTestConfigs.Project(k, d, lanes, variant, memory: memory);
        string[] learningNames = ["PH_L", "CHAINS", "i_chain", "i_lseed", "ptr_r", "rnd_r", "thr_lo_r", "o_dw_", "i_peek", "rxq_l", "u0_word", "_tb_learn"];
        foreach (GeneratedFile f in new HdlGenerator().Render(p.Datapath))
            foreach (string name in learningNames)
                Assert.False(f.Text.Contains(name, StringComparison.Ordinal), $"{f.Path} contains '{name}' without learning");
        // and the learning design does contain them (the names above are the ones it uses)
        string learningMac = new HdlGenerator().Render(HdlTestConfigs.FromConfig(LearningTests.SignedSyncConfig(), 22).Datapath)
            .Single(f => f.Path == "rtl/el_mac.v").Text;
        foreach (string name in new[] { "PH_L", "CHAINS", "i_chain", "i_lseed", "ptr_r", "rnd_r", "thr_lo_r", "o_dw_", "i_peek" })
            Assert.Contains(name, learningMac, StringComparison.Ordinal);
    }

    [Fact]
    public void Generating_twice_gives_identical_bytes_with_LF_endings_and_no_timestamp()
    {
        HdlProject p = HdlTestConfigs.Project(16, 8, 2, Variant.NonNegative, seed: 3);
        var a = new HdlGenerator().Render(p.Datapath);
        var b = new HdlGenerator().Render(HdlTestConfigs.Project(16, 8, 2, Variant.NonNegative, seed: 3).Datapath);
        Assert.Equal(a, b);
        foreach (GeneratedFile f in a)
        {
            Assert.DoesNotContain("\r", f.Text);
            Assert.DoesNotContain(DateTime.UtcNow.Year.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-", f.Text);
        }
    }

    [Fact]
    public void Every_Verilog_file_names_the_generator_version_and_the_configuration_hash()
    {
        HdlProject p = HdlTestConfigs.Project(8, 4, 1, Variant.Signed);
        foreach (GeneratedFile f in new HdlGenerator().Render(p.Datapath).Where(f => f.Path.EndsWith(".v", StringComparison.Ordinal)))
        {
            Assert.StartsWith($"// Generated by EdgeLangevin.Codegen {DatapathModel.GeneratorVersion}", f.Text);
            Assert.Contains($"Configuration SHA-256: {p.Datapath.ConfigHash}", f.Text);
            Assert.Contains("`default_nettype none", f.Text);
        }
    }

    [Fact]
    public void The_configuration_hash_changes_with_any_parameter_and_not_otherwise()
    {
        string h1 = HdlTestConfigs.Project(16, 8, 2, Variant.Signed).Datapath.ConfigHash;
        Assert.Equal(h1, HdlTestConfigs.Project(16, 8, 2, Variant.Signed).Datapath.ConfigHash);
        Assert.NotEqual(h1, HdlTestConfigs.Project(16, 8, 4, Variant.Signed).Datapath.ConfigHash);
        Assert.NotEqual(h1, HdlTestConfigs.Project(16, 8, 2, Variant.NonNegative).Datapath.ConfigHash);
        Assert.NotEqual(h1, HdlTestConfigs.Project(16, 8, 2, Variant.Signed, pi: 0.2).Datapath.ConfigHash);
        Assert.Matches("^[0-9a-f]{64}$", h1);
    }

    [Fact]
    public void Widths_and_shifts_come_from_the_cores_number_format()
    {
        // A=12.10, S=24.12, M=12.8, C=12.10: every width and shift in the RTL follows FIXED_POINT.md.
        DatapathModel m = HdlTestConfigs.Project(16, 8, 2, Variant.Signed, format: "A=12.10,S=24.12,M=12.8,C=12.10").Datapath;
        Assert.Equal(12 - 8, m.ShSm);               // FS - FM
        Assert.Equal(10 + 8 - 12, m.ShRec);         // FA + FM - FS
        Assert.Equal(10, m.ShG);                    // FA
        Assert.Equal(10 + 8 - 12, m.ShDrv);         // FC + FM - FS
        Assert.Equal(10 + 10 - 12, m.ShNz);         // FC + FE - FS
        Assert.Equal(12 + 12 + 4 + 1, m.Accw);      // WA + WM + ceil(log2(16)) + 1
        string core = new HdlGenerator().Render(m).Single(f => f.Path == "rtl/el_core.v").Text;
        Assert.Contains("parameter integer WS     = 24,", core);
        Assert.Contains("parameter integer ACCW   = 29,", core);
    }

    [Fact]
    public void A_configuration_the_UP5K_cannot_hold_is_rejected_with_a_clear_message()
    {
        var e = Assert.Throws<InvalidInputException>(() => HdlTestConfigs.Project(1024, 256, 4, Variant.Signed));
        Assert.Contains("cannot hold", e.Message);
        Assert.Contains("SPRAM", e.Message);
    }

    [Fact]
    public void Lanes_that_do_not_divide_D_are_rejected()
    {
        var e = Assert.Throws<InvalidInputException>(() => HdlTestConfigs.Project(16, 6, 4, Variant.Signed));
        Assert.Contains("hdl.lanes", e.Message);
        Assert.Contains("divide D = 6", e.Message);
    }

    [Fact]
    public void Operand_widths_beyond_the_16_bit_DSP_are_rejected()
    {
        var e = Assert.Throws<InvalidInputException>(() => HdlTestConfigs.Project(16, 8, 2, Variant.Signed, format: "A=18.15"));
        Assert.Contains("16", e.Message);
    }

    [Fact]
    public void Eight_lanes_are_rejected_for_want_of_DSP_blocks()
    {
        var e = Assert.Throws<InvalidInputException>(() => HdlTestConfigs.Project(16, 16, 8, Variant.Signed));
        Assert.Contains("SB_MAC16", e.Message);
    }

    [Fact]
    public void A_template_error_names_the_template_and_line_and_leaves_no_output_folder()
    {
        string templates = Path.Combine(Path.GetTempPath(), "el-tpl-" + Guid.NewGuid().ToString("N"));
        string output = Path.Combine(Path.GetTempPath(), "el-out-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(templates);
            foreach (string f in Directory.GetFiles(HdlGenerator.DefaultTemplateDir)) File.Copy(f, Path.Combine(templates, Path.GetFileName(f)));
            string mac = Path.Combine(templates, "el_mac.v.sbn");
            var lines = File.ReadAllLines(mac).ToList();
            // line 2, before the template's verbatim ({%{ ... }%}) body
            lines.Insert(1, "// {{ no_such_width }}");
            File.WriteAllLines(mac, lines);
            HdlProject p = HdlTestConfigs.Project(8, 4, 2, Variant.Signed);
            var e = Assert.Throws<TemplateException>(() => new HdlGenerator(templates).Write(p.Datapath, output));
            Assert.Equal("el_mac.v.sbn", e.Template);
            Assert.Equal(2, e.Line);
            Assert.Contains("no_such_width", e.Message);
            Assert.False(Directory.Exists(output));
        }
        finally
        {
            if (Directory.Exists(templates)) Directory.Delete(templates, recursive: true);
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void The_PLL_settings_reach_48_MHz_from_the_12_MHz_oscillator()
    {
        IcePll pll = IcePll.For(48);
        Assert.Equal(48.0, pll.OutputMhz, 6);
        Assert.Equal(12.0 * (pll.DivF + 1) / ((pll.DivR + 1) * (1 << pll.DivQ)), pll.OutputMhz, 9);
        double vco = 12.0 / (pll.DivR + 1) * (pll.DivF + 1);
        Assert.InRange(vco, 533, 1066);
    }
}
