using EdgeLangevin.Codegen.Hdl;
using EdgeLangevin.Reference.Model;

namespace EdgeLangevin.Hdl.Tests;

/// <summary>
/// verilator --lint-only -Wall over a matrix of configurations: the datapath and the board top
/// must be clean, with only the waivers in hdl-templates/lint_waivers.vlt (one reason each).
/// </summary>
public sealed class LintTests
{
    public static TheoryData<int, int, int, Variant, string, DictionaryMemory> Matrix() => new()
    {
        // K, D, lanes, variant, format, dictionary memory
        { 128, 64, 4, Variant.NonNegative, "", DictionaryMemory.Spram },
        { 128, 64, 2, Variant.Signed, "", DictionaryMemory.Spram },
        { 128, 64, 1, Variant.Signed, "", DictionaryMemory.Spram },
        { 16, 8, 2, Variant.Signed, "", DictionaryMemory.Bram },
        { 12, 6, 1, Variant.NonNegative, "", DictionaryMemory.Bram },
        { 1, 4, 4, Variant.Signed, "", DictionaryMemory.Bram },
        { 64, 16, 4, Variant.NonNegative, "A=12.10,S=24.12,M=12.8,C=12.10", DictionaryMemory.Auto },
        { 33, 9, 1, Variant.Signed, "A=8.6,S=16.8,M=8.4,C=8.6", DictionaryMemory.Auto },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Verilator_lint_with_all_warnings_is_clean(int k, int d, int lanes, Variant variant, string format, DictionaryMemory memory)
    {
        HdlTestConfigs.RequireTools("verilator");
        HdlProject p = HdlTestConfigs.Project(k, d, lanes, variant, format: format, memory: memory, pi: 0.5);
        string src = new HdlVerifier(HdlTestConfigs.WorkRoot).Sources(p.Datapath);
        foreach (string top in new[] { "el_core", "el_top_icebreaker" })
        {
            ToolResult r = HdlVerifier.Lint(src, top);
            Assert.True(r.Ok && !r.Stderr.Contains("%Warning", StringComparison.Ordinal) && !r.Stdout.Contains("%Warning", StringComparison.Ordinal),
                $"K={k} D={d} lanes={lanes} {variant} '{format}' top {top}:\n{r.Tail(30)}");
        }
    }

    /// <summary>
    /// Learning designs build what inference designs do not (the learner's stream, the threshold
    /// update, the data memory, phase L): the 1-lane bars chip of the UP5K timing work (K16 D64, 4
    /// chains, asynchronous switching) and one chain with synchronous switching.
    /// </summary>
    public static TheoryData<string, string> LearningMatrix() => new()
    {
        { "bars K16 D64 1 lane B4 asynchronous", LearningTests.BarsConfig(lanes: 1) },
        { "bars K16 D64 1 lane B1 synchronous", LearningTests.BarsConfig(lanes: 1, switching: "synchronous", batch: 1) },
    };

    [Theory]
    [MemberData(nameof(LearningMatrix))]
    public void Verilator_lint_with_all_warnings_is_clean_on_learning_designs(string name, string json)
    {
        HdlTestConfigs.RequireTools("verilator");
        HdlProject p = HdlTestConfigs.FromConfig(json, 7);
        string src = new HdlVerifier(HdlTestConfigs.WorkRoot).Sources(p.Datapath);
        foreach (string top in new[] { "el_core", "el_top_icebreaker" })
        {
            ToolResult r = HdlVerifier.Lint(src, top);
            Assert.True(r.Ok && !r.Stderr.Contains("%Warning", StringComparison.Ordinal) && !r.Stdout.Contains("%Warning", StringComparison.Ordinal),
                $"{name} top {top}:\n{r.Tail(30)}");
        }
    }

    [Fact]
    public void Lint_does_report_a_real_problem_so_the_clean_result_means_something()
    {
        HdlTestConfigs.RequireTools("verilator");
        HdlProject p = HdlTestConfigs.Project(16, 8, 2, Variant.Signed);
        string src = new HdlVerifier(HdlTestConfigs.WorkRoot).Sources(p.Datapath);
        string broken = Path.Combine(Path.GetTempPath(), "el-lint-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (string f in Directory.GetFiles(src, "*", SearchOption.AllDirectories).Where(f => f.EndsWith(".v", StringComparison.Ordinal) || f.EndsWith(".vlt", StringComparison.Ordinal)))
            {
                string to = Path.Combine(broken, Path.GetRelativePath(src, f));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(f, to);
            }
            string core = Path.Combine(broken, "rtl", "el_core.v");
            // an unused, width-mismatched signal: two -Wall warnings
            File.WriteAllText(core, File.ReadAllText(core).Replace("    assign o_busy = ~idle;", "    wire [3:0] lint_probe = 8'd3;\n    assign o_busy = ~idle;"));
            ToolResult r = HdlVerifier.Lint(broken, "el_core");
            Assert.False(r.Ok);
            Assert.Contains("lint_probe", r.Stderr + r.Stdout);
        }
        finally
        {
            if (Directory.Exists(broken)) Directory.Delete(broken, recursive: true);
        }
    }
}
